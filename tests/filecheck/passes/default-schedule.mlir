// RUN: relax-opt %s --split-input-file -p 'default-schedule{tile=false}' | filecheck %s
// RUN: relax-opt %s --split-input-file -p 'default-schedule{tile=false parallel=false}' | filecheck %s --check-prefix=SERIAL
// RUN: relax-opt %s --split-input-file -p 'default-schedule{tile=false split=false}' | filecheck %s --check-prefix=NOSPLIT

// A matmul as the compute DSL makes it (i, j, k): the init gets a loop of its
// own, k moves outside j (the i-k-j order), and i becomes parallel.
// CHECK-LABEL: tir.func @matmul
// CHECK:         tir.for parallel %i = 0 to n {
// CHECK-NEXT:      tir.for %j = 0 to m {
// CHECK-NEXT:        tir.block "C_init" (%vi = spatial[n] %i, %vj = spatial[m] %j) {
// CHECK-NEXT:          %zero = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:          tir.store %zero, %C[%vi, %vj] : f32
// CHECK:           tir.for %r = 0 to k {
// CHECK-NEXT:        tir.for %[[J:.*]] = 0 to m {
// CHECK-NEXT:          tir.block "C" (%{{.*}} = spatial[n] %i, %{{.*}} = spatial[m] %[[J]], %{{.*}} = reduce[k] %r) {
// CHECK-NOT:             tir.init
// CHECK:                 arith.mulf

// SERIAL-LABEL: tir.func @matmul
// SERIAL:         tir.for %i = 0 to n {
// SERIAL-NOT:     parallel

// NOSPLIT-LABEL: tir.func @matmul
// NOSPLIT:         tir.for parallel %i = 0 to n {
// NOSPLIT-NEXT:      tir.for %j = 0 to m {
// NOSPLIT-NEXT:        tir.for %r = 0 to k {
// NOSPLIT:               tir.init
tir.func @matmul(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>, %C: !tir.buffer<[n, m], f32>) {
  tir.for %i = 0 to n {
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

// -----

// A full reduction (no spatial loop to move the reduce loop out of, no loop
// to parallelize over independent outputs): its init runs first, in a block
// of its own, and the reduce loop is vectorized (autoschedule/elementwise.py);
// a nest of extent 2 is left alone.
// CHECK-LABEL: tir.func @total
// CHECK:         tir.block "S_init" () {
// CHECK:         tir.for vectorized %r = 0 to n attributes {tir.vector_lanes = {{[0-9]+}} : i64} {
// CHECK-NEXT:      tir.block "S" (%vr = reduce[n] %r) {
// CHECK-NEXT:        %x = tir.load %X[%vr] : f32
// CHECK-LABEL: tir.func @tiny
// CHECK:         tir.for %i = 0 to 2 {
tir.func @total(%X: !tir.buffer<[n], f32>, %S: !tir.buffer<[], f32>) {
  tir.for %r = 0 to n {
    tir.block "S" (%vr = reduce[n] %r) {
      tir.init {
        %zero = arith.constant 0.000000e+00 : f32
        tir.store %zero, %S[] : f32
      }
      %x = tir.load %X[%vr] : f32
      %s = tir.load %S[] : f32
      %t = arith.addf %s, %x : f32
      tir.store %t, %S[] : f32
    }
  }
}
tir.func @tiny(%X: !tir.buffer<[2], f32>, %Y: !tir.buffer<[2], f32>) {
  tir.for %i = 0 to 2 {
    tir.block "Y" (%vi = spatial[2] %i) {
      %x = tir.load %X[%vi] : f32
      tir.store %x, %Y[%vi] : f32
    }
  }
}

// -----

// Not parallel: the loop's variable is not a spatial index of every store
// (each iteration writes the same element).
// CHECK-LABEL: tir.func @last
// CHECK:         tir.for %i = 0 to n {
tir.func @last(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[], f32>) {
  tir.for %i = 0 to n {
    tir.block "Y" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      tir.store %x, %Y[] : f32
    }
  }
}

// -----

// Batch 1: the loop of extent 1 is skipped and the channel loop runs on all
// cores; a loop whose iterations accumulate into one element stays serial.
// CHECK-LABEL: tir.func @batch1
// CHECK:         tir.for %n = 0 to 1 {
// CHECK-NEXT:      tir.for parallel %c = 0 to 64 {
// CHECK-LABEL: tir.func @rowsum
// CHECK-NOT:     parallel
tir.func @batch1(%X: !tir.buffer<[1, 64, 32, 32], f32>, %Y: !tir.buffer<[1, 64, 32, 32], f32>) {
  tir.for %n = 0 to 1 {
    tir.for %c = 0 to 64 {
      tir.for %h = 0 to 32 {
        tir.for %w = 0 to 32 {
          tir.block "Y" (%vn = spatial[1] %n, %vc = spatial[64] %c, %vh = spatial[32] %h, %vw = spatial[32] %w) {
            %x = tir.load %X[%vn, %vc, %vh, %vw] : f32
            %e = math.exp %x : f32
            tir.store %e, %Y[%vn, %vc, %vh, %vw] : f32
          }
        }
      }
    }
  }
}
tir.func @rowsum(%X: !tir.buffer<[256, 256], f32>, %S: !tir.buffer<[256], f32>) {
  tir.for %r = 0 to 256 {
    tir.for %i = 0 to 256 {
      tir.block "S" (%vi = spatial[256] %i, %vr = reduce[256] %r) {
        %x = tir.load %X[%vi, %vr] : f32
        %s = tir.load %S[%vi] : f32
        %t = arith.addf %s, %x : f32
        tir.store %t, %S[%vi] : f32
      }
    }
  }
}
