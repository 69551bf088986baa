// The register_tile micro-kernel: accumulators are loop-carried vectors of
// the host's width (forced here), multiply-adds are vector.fma, the row
// operand is broadcast, the lane operand is one vector load per chunk shared
// by all rows; 40 lanes = 16 + 16 + 8.
// RUN: env XRELAX_TARGET=avx512 relax-opt %s --split-input-file -p convert-tir-to-std | filecheck %s
// RUN: env XRELAX_TARGET=avx2 relax-opt %s --split-input-file -p convert-tir-to-std | filecheck %s --check-prefix=AVX2

// CHECK-LABEL: func.func @mm
// CHECK:         scf.for %io = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-COUNT-2:   vector.broadcast %{{.*}} : f32 to vector<16xf32>
// CHECK:           vector.broadcast %{{.*}} : f32 to vector<8xf32>
// CHECK:           %{{.*}} = scf.for %k = {{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<8xf32>, vector<16xf32>, vector<16xf32>, vector<8xf32>) {
// CHECK:             memref.load %A
// CHECK:             vector.load %B[%k, %{{.*}}] : memref<4x40xf32>, vector<16xf32>
// CHECK:             vector.load %B[%k, %{{.*}}] : memref<4x40xf32>, vector<16xf32>
// CHECK:             vector.load %B[%k, %{{.*}}] : memref<4x40xf32>, vector<8xf32>
// CHECK:             vector.fma
// CHECK-NOT:         vector.load %B
// CHECK:             memref.load %A
// CHECK:             vector.fma
// CHECK:             scf.yield
// CHECK-COUNT-6:   vector.store %{{.*}}, %C[%{{.*}}, %{{.*}}] : memref<4x40xf32>, vector<{{16|8}}xf32>
// CHECK-NOT:       arith.mulf
// AVX2-LABEL: func.func @mm
// AVX2:         -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
tir.func @mm(%A: !tir.buffer<[4, 4], f32>, %B: !tir.buffer<[4, 40], f32>, %C: !tir.buffer<[4, 40], f32>) {
  tir.for %io = 0 to 2 {
    tir.for %ii = 0 to 2 attributes {tir.tensorize = "register_tile"} {
      tir.for %j = 0 to 40 {
        tir.for %k = 0 to 4 {
          %c2 = arith.constant 2 : index
          %m = arith.muli %io, %c2 : index
          %i = arith.addi %m, %ii : index
          tir.block "C" (%vi = spatial[4] %i, %vj = spatial[40] %j, %vk = reduce[4] %k) {
            tir.init {
              %z = arith.constant 0.0 : f32
              tir.store %z, %C[%vi, %vj] : f32
            }
            %a = tir.load %A[%vi, %vk] : f32
            %b = tir.load %B[%vk, %vj] : f32
            %p = arith.mulf %a, %b : f32
            %c = tir.load %C[%vi, %vj] : f32
            %s = arith.addf %c, %p : f32
            tir.store %s, %C[%vi, %vj] : f32
          }
        }
      }
    }
  }
}

// -----

// Without an init the tile accumulates onto C (loads it first); a nest the
// micro-kernel cannot implement (a lane index used in a multiplication) is
// lowered as plain loops.
// CHECK-LABEL: func.func @acc
// CHECK:         vector.load %C
// CHECK:         scf.for {{.*}} iter_args
// CHECK:         vector.store
// CHECK-LABEL: func.func @strided
// CHECK-NOT:     vector.fma
// CHECK:         scf.for
// CHECK:         arith.mulf
tir.func @acc(%A: !tir.buffer<[4], f32>, %C: !tir.buffer<[2, 16], f32>) {
  tir.for %ii = 0 to 2 attributes {tir.tensorize = "register_tile"} {
    tir.for %j = 0 to 16 {
      tir.for %k = 0 to 4 {
        tir.block "C" (%vi = spatial[2] %ii, %vj = spatial[16] %j, %vk = reduce[4] %k) {
          %a = tir.load %A[%vk] : f32
          %c = tir.load %C[%vi, %vj] : f32
          %s = arith.addf %c, %a : f32
          tir.store %s, %C[%vi, %vj] : f32
        }
      }
    }
  }
}
tir.func @strided(%X: !tir.buffer<[40], f32>, %C: !tir.buffer<[1, 16], f32>) {
  tir.for %ii = 0 to 1 attributes {tir.tensorize = "register_tile"} {
    tir.for %j = 0 to 16 {
      tir.for %k = 0 to 3 {
        tir.block "C" (%vi = spatial[1] %ii, %vj = spatial[16] %j, %vk = reduce[3] %k) {
          %c2 = arith.constant 2 : index
          %j2 = arith.muli %vj, %c2 : index
          %x = arith.addi %j2, %vk : index
          %a = tir.load %X[%x] : f32
          %c = tir.load %C[%vi, %vj] : f32
          %p = arith.mulf %a, %a : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %C[%vi, %vj] : f32
        }
      }
    }
  }
}

// -----

// An epilogue in the tile (bias + relu): it runs on the registers after the
// reduction and stores to the output; the local result is never stored.
// CHECK-LABEL: func.func @epilogue
// CHECK:         scf.for {{.*}} iter_args
// CHECK:         vector.fma
// CHECK:         scf.yield
// CHECK-NOT:     vector.store {{.*}} %T
// CHECK:         vector.load %bias
// CHECK:         arith.addf {{.*}} : vector<16xf32>
// CHECK:         arith.maximumf {{.*}} : vector<16xf32>
// CHECK:         vector.store %{{.*}}, %Y[%{{.*}}, %{{.*}}] : memref<2x16xf32>, vector<16xf32>
tir.func @epilogue(%A: !tir.buffer<[2, 4], f32>, %B: !tir.buffer<[4, 16], f32>, %bias: !tir.buffer<[16], f32>, %Y: !tir.buffer<[2, 16], f32>) {
  %T = tir.alloc_buffer : !tir.buffer<[2, 16], f32>
  tir.for %ii = 0 to 2 attributes {tir.tensorize = "register_tile"} {
    tir.for %j = 0 to 16 {
      tir.for %k = 0 to 4 {
        tir.block "T" (%vi = spatial[2] %ii, %vj = spatial[16] %j, %vk = reduce[4] %k) {
          tir.init {
            %z = arith.constant 0.0 : f32
            tir.store %z, %T[%vi, %vj] : f32
          }
          %a = tir.load %A[%vi, %vk] : f32
          %b = tir.load %B[%vk, %vj] : f32
          %p = arith.mulf %a, %b : f32
          %c = tir.load %T[%vi, %vj] : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %T[%vi, %vj] : f32
        }
      }
      tir.block "Y" (%ei = spatial[2] %ii, %ej = spatial[16] %j) {
        %t = tir.load %T[%ei, %ej] : f32
        %bb = tir.load %bias[%ej] : f32
        %u = arith.addf %t, %bb : f32
        %zero = arith.constant 0.0 : f32
        %r = arith.maximumf %u, %zero : f32
        tir.store %r, %Y[%ei, %ej] : f32
      }
    }
  }
}
