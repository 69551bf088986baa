// RUN: relax-opt %s --split-input-file -p apply-schedule | filecheck %s
// RUN: relax-opt %s --split-input-file -p apply-schedule --print-op-generic | relax-opt | filecheck %s

// rfactor of the inner half of a split reduction: partial sums per %r1 into
// %C_rf (the new axis first), then a reduction of those into %C. k is
// symbolic, so a guard cuts the last tile: the partial sums are initialized
// by a block of their own (a guarded init would miss some).
// CHECK-LABEL: tir.func @matmul
// CHECK-NEXT:    %C_rf = tir.alloc_buffer : !tir.buffer<[4, n, m], f32>
// CHECK:             tir.block "C_rf_init" (%v0 = spatial[4] %ax0, %v1 = spatial[n] %ax1, %v2 = spatial[m] %ax2) {
// CHECK-NEXT:          %0 = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:          tir.store %0, %C_rf[%v0, %v1, %v2] : f32
// CHECK:         tir.for %r0 = 0 to (k + 3) floordiv 4 {
// CHECK-NEXT:      tir.for %r1 = 0 to 4 {
// CHECK:             tir.if
// CHECK-NEXT:          tir.block "C_rf" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vk = reduce[k] %{{.*}}, %r1_rf = spatial[4] %r1) {
// CHECK-NEXT:            %[[K:.*]] = arith.addi %vk, %r1_rf : index
// CHECK-NEXT:            %a = tir.load %A[%vi, %[[K]]] : f32
// CHECK:                 tir.store %s, %C_rf[%r1_rf, %vi, %vj] : f32
// CHECK:         tir.for %ax0_1 = 0 to n {
// CHECK-NEXT:      tir.for %ax1_1 = 0 to m {
// CHECK-NEXT:        tir.for %rf = 0 to 4 {
// CHECK-NEXT:          tir.block "C" (%v0_1 = spatial[n] %ax0_1, %v1_1 = spatial[m] %ax1_1, %vrf = reduce[4] %rf) {
// CHECK-NEXT:            tir.init {
// CHECK-NEXT:              %zero = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:              tir.store %zero, %C[%v0_1, %v1_1] : f32
// CHECK:                 %[[P:.*]] = tir.load %C_rf[%vrf, %v0_1, %v1_1] : f32
// CHECK-NEXT:            %[[A:.*]] = tir.load %C[%v0_1, %v1_1] : f32
// CHECK-NEXT:            %[[S:.*]] = arith.addf %[[A]], %[[P]] : f32
// CHECK-NEXT:            tir.store %[[S]], %C[%v0_1, %v1_1] : f32
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
  %c = sched.get_block {name = "C"}
  %i, %j, %k = sched.get_loops %c {count = 3}
  %ko, %ki = sched.split %k {factors = [-1, 4]}
  %rf = sched.rfactor %ki {factor_axis = 0}
  transform.yield
}

// -----

// With a static extent that the split divides, the partial sums keep their init.
// CHECK-LABEL: tir.func @static
// CHECK:             tir.block "C_rf" (%vi = spatial[2] %i, %vk = reduce[8] %{{.*}}, %r1_rf = spatial[4] %r1) {
// CHECK-NEXT:          tir.init {
// CHECK-NEXT:            %zero = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:            tir.store %zero, %S_rf[%vi, %r1_rf] : f32
tir.func @static(%X: !tir.buffer<[2, 8], f32>, %S: !tir.buffer<[2], f32>) {
  tir.for %i = 0 to 2 {
    tir.for %r = 0 to 8 {
      tir.block "C" (%vi = spatial[2] %i, %vk = reduce[8] %r) {
        tir.init {
          %zero = arith.constant 0.000000e+00 : f32
          tir.store %zero, %S[%vi] : f32
        }
        %x = tir.load %X[%vi, %vk] : f32
        %s = tir.load %S[%vi] : f32
        %t = arith.addf %s, %x : f32
        tir.store %t, %S[%vi] : f32
      }
    }
  }
}
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %c = sched.get_block {name = "C"}
  %i, %k = sched.get_loops %c {count = 2}
  %ko, %ki = sched.split %k {factors = [-1, 4]}
  %rf = sched.rfactor %ki {factor_axis = 1}
  transform.yield
}

// -----

// blockize: the nest at %j becomes block "C_o" whose iteration variable is the
// outer loop %i it uses.
// CHECK-LABEL: tir.func @matmul
// CHECK:         tir.for %i = 0 to n {
// CHECK-NEXT:      tir.block "C_o" (%i_o = spatial[n] %i) {
// CHECK-NEXT:        tir.for %j = 0 to m {
// CHECK-NEXT:          tir.for %r = 0 to k {
// CHECK-NEXT:            tir.block "C" (%vi = spatial[n] %i_o, %vj = spatial[m] %j, %vk = reduce[k] %r) {
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
  %c = sched.get_block {name = "C"}
  %i, %j, %k = sched.get_loops %c {count = 3}
  %o = sched.blockize %j
  transform.yield
}
