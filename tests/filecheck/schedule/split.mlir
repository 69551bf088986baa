// RUN: relax-opt %s --split-input-file -p apply-schedule | filecheck %s
// RUN: relax-opt %s --split-input-file -p apply-schedule --print-op-generic | relax-opt | filecheck %s

// split by [-1, 4] of a symbolic extent: the outer extent is inferred, the
// iterations past n are cut off by a guard around the block.
// CHECK-LABEL: tir.func @guard
// CHECK:         tir.for %i0 = 0 to (n + 3) floordiv 4 {
// CHECK-NEXT:      tir.for %i1 = 0 to 4 {
// CHECK-NEXT:        %[[C4:.*]] = arith.constant 4 : index
// CHECK-NEXT:        %[[M:.*]] = arith.muli %i0, %[[C4]] : index
// CHECK-NEXT:        %[[I:.*]] = arith.addi %[[M]], %i1 : index
// CHECK-NEXT:        %[[N:.*]] = tir.expr n : index
// CHECK-NEXT:        %[[P:.*]] = arith.cmpi slt, %[[I]], %[[N]] : index
// CHECK-NEXT:        tir.if %[[P]] {
// CHECK-NEXT:          tir.block "Y" (%vi = spatial[n] %[[I]]) {
// CHECK-NOT:     transform.named_sequence
tir.func @guard(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "Y" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %b = sched.get_block {name = "Y"}
  %i = sched.get_loops %b {count = 1}
  %io, %ii = sched.split %i {factors = [-1, 4]}
  transform.yield
}

// -----

// Factors that divide the extent (12 = 2 * 3 * 2) need no guard; a split of
// `n * 4` by [-1, 4] is exact too.
// CHECK-LABEL: tir.func @exact
// CHECK:         tir.for %i0 = 0 to 2 {
// CHECK-NEXT:      tir.for %i1 = 0 to 3 {
// CHECK-NEXT:        tir.for %i2 = 0 to 2 {
// CHECK-NOT:           tir.if
// CHECK:               tir.block "A"
// CHECK:         tir.for %j0 = 0 to n {
// CHECK-NEXT:      tir.for %j1 = 0 to 4 {
// CHECK-NOT:         tir.if
// CHECK:             tir.block "B"
tir.func @exact(%X: !tir.buffer<[12], f32>, %Y: !tir.buffer<[12], f32>, %Z: !tir.buffer<[n * 4], f32>) sym(n) {
  tir.for %i = 0 to 12 {
    tir.block "A" (%vi = spatial[12] %i) {
      %x = tir.load %X[%vi] : f32
      tir.store %x, %Y[%vi] : f32
    }
  }
  tir.for %j = 0 to n * 4 {
    tir.block "B" (%vj = spatial[n * 4] %j) {
      %c = arith.constant 1.0 : f32
      tir.store %c, %Z[%vj] : f32
    }
  }
}
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %a = sched.get_block {name = "A"}
  %i = sched.get_loops %a {count = 1}
  %i0, %i1, %i2 = sched.split %i {factors = [2, 3, -1]}
  %b = sched.get_block {name = "B"}
  %j = sched.get_loops %b {count = 1}
  %j0, %j1 = sched.split %j {factors = [-1, 4]}
  transform.yield
}

// -----

// tail = "loop": a main nest over n floordiv 4 tiles with no guard, then a
// remainder loop over n mod 4 with its own copy of the block ("Y_tail").
// CHECK-LABEL: tir.func @remainder
// CHECK:         tir.for %i0 = 0 to n floordiv 4 {
// CHECK-NEXT:      tir.for %i1 = 0 to 4 {
// CHECK-NOT:         tir.if
// CHECK:             tir.block "Y" (%vi = spatial[n] %{{.*}}) {
// CHECK:         tir.for %i_tail = 0 to n mod 4 {
// CHECK-NEXT:      %[[S:.*]] = tir.expr (n floordiv 4) * 4 : index
// CHECK-NEXT:      %[[I:.*]] = arith.addi %[[S]], %i_tail : index
// CHECK-NEXT:      tir.block "Y_tail" (%{{.*}} = spatial[n] %[[I]]) {
tir.func @remainder(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "Y" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      tir.store %x, %Y[%vi] : f32
    }
  }
}
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %b = sched.get_block {name = "Y"}
  %i = sched.get_loops %b {count = 1}
  %io, %ii = sched.split %i {factors = [-1, 4], tail = "loop"}
  transform.yield
}

// -----

// A loop that does not start at 0: the new loops do, the offset is added back.
// CHECK-LABEL: tir.func @offset
// CHECK:         tir.for %i0 = 0 to 2 {
// CHECK-NEXT:      tir.for %i1 = 0 to 3 {
// CHECK-NEXT:        %[[O:.*]] = arith.constant 2 : index
// CHECK-NEXT:        %[[C3:.*]] = arith.constant 3 : index
// CHECK-NEXT:        %[[M:.*]] = arith.muli %i0, %[[C3]] : index
// CHECK-NEXT:        %[[A:.*]] = arith.addi %[[O]], %[[M]] : index
// CHECK-NEXT:        %[[I:.*]] = arith.addi %[[A]], %i1 : index
// CHECK-NEXT:        tir.block "Y" (%vi = spatial[8] %[[I]])
tir.func @offset(%Y: !tir.buffer<[8], f32>) {
  tir.for %i = 2 to 8 {
    tir.block "Y" (%vi = spatial[8] %i) {
      %c = arith.constant 1.0 : f32
      tir.store %c, %Y[%vi] : f32
    }
  }
}
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %b = sched.get_block {name = "Y"}
  %i = sched.get_loops %b {count = 1}
  %io, %ii = sched.split %i {factors = [2, 3]}
  transform.yield
}
