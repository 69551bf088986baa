// RUN: relax-opt %s --split-input-file -p apply-schedule | filecheck %s
// RUN: relax-opt %s --split-input-file -p apply-schedule --print-op-generic | relax-opt | filecheck %s

// fuse: one loop over n * m; the old variables come back by floordiv and mod.
// CHECK-LABEL: tir.func @matmul
// CHECK:         tir.for %i_j_fused = 0 to m * n {
// CHECK-NEXT:      tir.for %r = 0 to k {
// CHECK-NEXT:        %[[M:.*]] = tir.expr m : index
// CHECK-NEXT:        %[[I:.*]] = arith.divsi %i_j_fused, %[[M]] : index
// CHECK-NEXT:        %[[J:.*]] = arith.remsi %i_j_fused, %[[M]] : index
// CHECK-NEXT:        tir.block "C" (%vi = spatial[n] %[[I]], %vj = spatial[m] %[[J]], %vk = reduce[k] %r) {
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
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %b = sched.get_block {name = "C"}
  %i, %j, %k = sched.get_loops %b {count = 3}
  %f = sched.fuse %i, %j
  transform.yield
}

// -----

// reorder: the given loops take the given order (k outermost, then i; j,
// not given, keeps its place).
// CHECK-LABEL: tir.func @matmul
// CHECK:         tir.for %r = 0 to k {
// CHECK-NEXT:      tir.for %j = 0 to m {
// CHECK-NEXT:        tir.for %i = 0 to n {
// CHECK-NEXT:          tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vk = reduce[k] %r) {
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
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %b = sched.get_block {name = "C"}
  %i, %j, %k = sched.get_loops %b {count = 3}
  sched.reorder %k, %i
  transform.yield
}

// -----

// parallel, vectorize, unroll and annotate set loop kinds and attributes.
// CHECK-LABEL: tir.func @matmul
// CHECK:         tir.for parallel %i = 0 to n attributes {pragma_auto_unroll = 16 : i64} {
// CHECK-NEXT:      tir.for unrolled %r = 0 to k {
// CHECK-NEXT:        tir.for vectorized %j = 0 to m {
// CHECK-NEXT:          tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vk = reduce[k] %r) attributes {note = "hot"} {
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
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %b = sched.get_block {name = "C"}
  %i, %j, %k = sched.get_loops %b {count = 3}
  sched.reorder %k, %j
  sched.parallel %i
  sched.vectorize %j
  sched.unroll %k
  sched.annotate %i {key = "pragma_auto_unroll", value = 16}
  sched.annotate %b {key = "note", value = "hot"}
  sched.annotate %b {key = "gone", value = 1.5}
  sched.unannotate %b {key = "gone"}
  transform.yield
}
