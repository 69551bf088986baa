// RUN: relax-opt %s -p convert-tir-to-std | filecheck %s
// RUN: relax-opt %s -p convert-tir-to-std,convert-std-to-llvm -t llvm | filecheck %s --check-prefix=LLVM

// convert-tir-to-std on kernel-only modules: buffers become memrefs, dims that
// define symbolic variables are read with memref.dim in the entry block, sym
// arguments become trailing index parameters; serial loops are scf.for,
// parallel ones scf.parallel; tir.init runs before the reduction loop, or
// under an scf.if on "every reduce variable is 0"; tir.if is scf.if; loads and stores are memref.load/store; local
// buffers are allocated at entry and freed before the return.

// A matmul whose outer loop is parallel: symbolic dims read with memref.dim.
// CHECK-LABEL: func.func @matmul(%A: memref<?x?xf32>, %B: memref<?x?xf32>, %C: memref<?x?xf32>) attributes {tir.kernel = "matmul"} {
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %n = memref.dim %A, %[[C0]] : memref<?x?xf32>
// CHECK-NEXT:    %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %k = memref.dim %A, %[[C1]] : memref<?x?xf32>
// CHECK-NEXT:    %[[C1B:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %m = memref.dim %B, %[[C1B]] : memref<?x?xf32>
// CHECK-NEXT:    %[[LB:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[STEP:.*]] = arith.constant 1 : index
// CHECK-NEXT:    "scf.parallel"(%[[LB]], %n, %[[STEP]])
// CHECK-NEXT:    ^bb0(%i: index):
// The init runs before the reduction loop (so an empty reduction still
// initializes the output).
// CHECK-NEXT:      scf.for %j = %[[LB]] to %m step %[[STEP]] {
// CHECK-NEXT:        %zero = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:        memref.store %zero, %C[%i, %j] : memref<?x?xf32>
// CHECK-NEXT:        scf.for %r = %[[LB]] to %k step %[[STEP]] {
// CHECK-NEXT:          %a = memref.load %A[%i, %r] : memref<?x?xf32>
// CHECK-NEXT:          %b = memref.load %B[%r, %j] : memref<?x?xf32>
// CHECK-NEXT:          %c = memref.load %C[%i, %j] : memref<?x?xf32>
// CHECK-NEXT:          %p = arith.mulf %a, %b : f32
// CHECK-NEXT:          %s = arith.addf %c, %p : f32
// CHECK-NEXT:          memref.store %s, %C[%i, %j] : memref<?x?xf32>
// CHECK-NEXT:        }
// CHECK-NEXT:      }
// CHECK-NEXT:      scf.reduce
// CHECK-NEXT:    })
// CHECK-NEXT:    func.return
// CHECK-NEXT:  }
tir.func @matmul(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>,
                 %C: !tir.buffer<[n, m], f32>) {
  tir.for parallel %i = 0 to n {
    tir.for %j = 0 to m {
      tir.for %r = 0 to k {
        tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vk = reduce[k] %r) {
          tir.init {
            %zero = arith.constant 0.000000e+00 : f32
            tir.store %zero, %C[%vi, %vj] : f32
          }
          %a = tir.load %A[%vi, %vk] : f32
          %b = tir.load %B[%vk, %vj] : f32
          %c = tir.load %C[%vi, %vj] : f32
          %p = arith.mulf %a, %b : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %C[%vi, %vj] : f32
        }
      }
    }
  }
}

// The reduce loop is outside the spatial one: the init cannot run before it,
// so it is guarded by scf.if (reduce variable == 0).
// CHECK-LABEL: func.func @colsum(%X: memref<?x?xf32>, %Y: memref<?xf32>) attributes {tir.kernel = "colsum"} {
// CHECK:         scf.for %r = %[[LB:.*]] to %n step %{{.*}} {
// CHECK-NEXT:      scf.for %j = %[[LB]] to %m step %{{.*}} {
// CHECK-NEXT:        %[[FIRST:.*]] = arith.cmpi eq, %r, %[[LB]] : index
// CHECK-NEXT:        scf.if %[[FIRST]] {
// CHECK-NEXT:          %zero = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:          memref.store %zero, %Y[%j] : memref<?xf32>
// CHECK-NEXT:        }
// CHECK-NEXT:        %x = memref.load %X[%r, %j] : memref<?x?xf32>
// CHECK-NEXT:        %y = memref.load %Y[%j] : memref<?xf32>
// CHECK-NEXT:        %s = arith.addf %y, %x : f32
// CHECK-NEXT:        memref.store %s, %Y[%j] : memref<?xf32>
tir.func @colsum(%X: !tir.buffer<[n, m], f32>, %Y: !tir.buffer<[m], f32>) {
  tir.for %r = 0 to n {
    tir.for %j = 0 to m {
      tir.block "s" (%vj = spatial[m] %j, %vr = reduce[n] %r) {
        tir.init {
          %zero = arith.constant 0.000000e+00 : f32
          tir.store %zero, %Y[%vj] : f32
        }
        %x = tir.load %X[%vr, %vj] : f32
        %y = tir.load %Y[%vj] : f32
        %s = arith.addf %y, %x : f32
        tir.store %s, %Y[%vj] : f32
      }
    }
  }
}

// A sym argument is a trailing index parameter, used directly for the loop
// bound and for tir.expr (no memref.dim: h * 2 does not define h).
// CHECK-LABEL: func.func @fold(%X: memref<?xf32>, %Y: memref<?xf32>, %h: index) attributes {tir.kernel = "fold"} {
// CHECK-NOT:     memref.dim
// CHECK:         scf.for %i = %{{.*}} to %h step %{{.*}} {
// CHECK-NEXT:      %j = arith.addi %i, %h : index
// CHECK-NEXT:      %a = memref.load %X[%i] : memref<?xf32>
// CHECK-NEXT:      %b = memref.load %X[%j] : memref<?xf32>
// CHECK-NEXT:      %s = arith.addf %a, %b : f32
// CHECK-NEXT:      memref.store %s, %Y[%i] : memref<?xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return
tir.func @fold(%X: !tir.buffer<[h * 2], f32>, %Y: !tir.buffer<[h], f32>) sym(h) {
  tir.for %i = 0 to h {
    tir.block "f" (%vi = spatial[h] %i) {
      %h = tir.expr h : index
      %j = arith.addi %vi, %h : index
      %a = tir.load %X[%vi] : f32
      %b = tir.load %X[%j] : f32
      %s = arith.addf %a, %b : f32
      tir.store %s, %Y[%vi] : f32
    }
  }
}

// A scalar parameter stays a scalar; a static dim gives a static memref dim
// and a constant loop bound; tir.alloc_buffer is a memref.alloc at entry and
// a memref.dealloc before the return; tir.if with else is scf.if with else.
// CHECK-LABEL: func.func @clip(%alpha: f32, %X: memref<?x4xf32>, %Y: memref<?x4xf32>) attributes {tir.kernel = "clip"} {
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %n = memref.dim %X, %[[C0]] : memref<?x4xf32>
// CHECK-NEXT:    %t = memref.alloc(%n) {alignment = 64 : i64} : memref<?xf32>
// CHECK:         %[[FOUR:.*]] = arith.constant 4 : index
// CHECK-NEXT:    scf.for %i = %{{.*}} to %n step %{{.*}} {
// CHECK-NEXT:      scf.for %j = %{{.*}} to %[[FOUR]] step %{{.*}} {
// CHECK-NEXT:        %x = memref.load %X[%i, %j] : memref<?x4xf32>
// CHECK-NEXT:        %big = arith.cmpf ogt, %x, %alpha : f32
// CHECK-NEXT:        scf.if %big {
// CHECK-NEXT:          memref.store %alpha, %Y[%i, %j] : memref<?x4xf32>
// CHECK-NEXT:        } else {
// CHECK-NEXT:          memref.store %x, %Y[%i, %j] : memref<?x4xf32>
// CHECK-NEXT:        }
// CHECK-NEXT:        memref.store %x, %t[%i] : memref<?xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    memref.dealloc %t : memref<?xf32>
// CHECK-NEXT:    func.return
// CHECK-NEXT:  }
// CHECK-NOT:   tir.
tir.func @clip(%alpha: f32, %X: !tir.buffer<[n, 4], f32>, %Y: !tir.buffer<[n, 4], f32>) {
  %t = tir.alloc_buffer : !tir.buffer<[n], f32>
  tir.for %i = 0 to n {
    tir.for unrolled %j = 0 to 4 {
      tir.block "c" (%vi = spatial[n] %i, %vj = spatial[4] %j) {
        %x = tir.load %X[%vi, %vj] : f32
        %big = arith.cmpf ogt, %x, %alpha : f32
        tir.if %big {
          tir.store %alpha, %Y[%vi, %vj] : f32
        } else {
          tir.store %x, %Y[%vi, %vj] : f32
        }
        tir.store %x, %t[%vi] : f32
      }
    }
  }
}

// LLVM IR: kernels are void functions over memref descriptors; the parallel
// loop is outlined and run by GOMP_parallel.
// LLVM-DAG:    declare void @"GOMP_parallel"(ptr {{.*}}, ptr {{.*}}, i32 {{.*}}, i32 {{.*}})
// LLVM-DAG:    define void @"matmul"({ptr, ptr, i64, [2 x i64], [2 x i64]} {{.*}}, {ptr, ptr, i64, [2 x i64], [2 x i64]} {{.*}}, {ptr, ptr, i64, [2 x i64], [2 x i64]} {{.*}})
// LLVM-DAG:    define {{(internal )?}}void @"matmul_parallel{{[0-9]*}}"(ptr {{.*}})
// LLVM-DAG:    call ccc void @"GOMP_parallel"({{.*}}@"matmul_parallel{{[0-9]*}}"
// LLVM-DAG:    define void @"fold"({ptr, ptr, i64, [1 x i64], [1 x i64]} {{.*}}, {ptr, ptr, i64, [1 x i64], [1 x i64]} {{.*}}, i64 {{.*}})
// LLVM-DAG:    define void @"clip"(float {{.*}}, {ptr, ptr, i64, [2 x i64], [2 x i64]} {{.*}}, {ptr, ptr, i64, [2 x i64], [2 x i64]} {{.*}})
