// RUN: relax-opt %s --split-input-file -p legalize-ops,annotate-op-pattern,fuse-ops | filecheck %s
// RUN: relax-opt %s --split-input-file -p 'legalize-ops,fuse-ops{max_group_size=2}' | filecheck %s --check-prefix=MAX2

// matmul + add + relu is one group: a private primitive function called by
// relax.call. The second matmul does not join the first group (an anchor
// never absorbs another), but starts its own with the add after it.
// CHECK-LABEL: relax.func @main
// CHECK:         %[[G:.*]] = relax.call @fused_matmul_add_relu(%x, %w, %b) : !relax.tensor<[n, 8], f32>
// CHECK-NEXT:    %{{.*}} = relax.call @fused_matmul1_add1(%[[G]], %v, %c) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.output
// CHECK:       relax.func private @fused_matmul_add_relu(%x: !relax.tensor<[n, 16], f32>, %w: !relax.tensor<[16, 8], f32>, %b: !relax.tensor<[8], f32>) -> !relax.tensor<[n, 8], f32> attributes {relax.primitive} {
// CHECK-NEXT:    relax.dataflow {
// CHECK-NEXT:      %[[M:.*]] = relax.call_tir @matmul(%x, %w)
// CHECK-NEXT:      %[[A:.*]] = relax.call_tir @add(%[[M]], %b)
// CHECK-NEXT:      %[[R:.*]] = relax.call_tir @relu(%[[A]])
// CHECK-NEXT:      relax.output %[[R]]
// CHECK:       relax.func private @fused_matmul1_add1(
// CHECK-NEXT:    relax.dataflow {
// CHECK-NEXT:      relax.call_tir @matmul1(
// CHECK-NEXT:      relax.call_tir @add1(
// CHECK-NEXT:      relax.output

// At most two calls per group: matmul + add, then relu alone.
// MAX2-LABEL: relax.func @main
// MAX2:         relax.call @fused_matmul_add(%x, %w, %b)
// MAX2-NEXT:    relax.call_tir @relu(
// MAX2-NEXT:    relax.call @fused_matmul1_add1(
relax.func @main(%x: !relax.tensor<[n, 16], f32>, %w: !relax.tensor<[16, 8], f32>, %b: !relax.tensor<[8], f32>,
                 %v: !relax.tensor<[8, 4], f32>, %c: !relax.tensor<[4], f32>) -> !relax.tensor<[n, 4], f32> {
  %out = relax.dataflow {
    %0 = relax.matmul %x, %w : !relax.tensor<[n, 8], f32>
    %1 = relax.add %0, %b : !relax.tensor<[n, 8], f32>
    %2 = relax.relu %1 : !relax.tensor<[n, 8], f32>
    %3 = relax.matmul %2, %v : !relax.tensor<[n, 4], f32>
    %4 = relax.add %3, %c : !relax.tensor<[n, 4], f32>
    relax.output %4 : !relax.tensor<[n, 4], f32>
  }
  relax.return %out : !relax.tensor<[n, 4], f32>
}

// -----

// Two matmuls back to back are never one group.
// CHECK-LABEL: relax.func @two_matmuls
// CHECK:         relax.call_tir @matmul(%x, %w)
// CHECK-NEXT:    relax.call_tir @matmul1(
// CHECK-NEXT:    relax.output
// CHECK-NOT:   relax.func private
relax.func @two_matmuls(%x: !relax.tensor<[n, 8], f32>, %w: !relax.tensor<[8, 8], f32>, %v: !relax.tensor<[8, 4], f32>) -> !relax.tensor<[n, 4], f32> {
  %out = relax.dataflow {
    %0 = relax.matmul %x, %w : !relax.tensor<[n, 8], f32>
    %1 = relax.matmul %0, %v : !relax.tensor<[n, 4], f32>
    relax.output %1 : !relax.tensor<[n, 4], f32>
  }
  relax.return %out : !relax.tensor<[n, 4], f32>
}

// -----

// Nothing fuses across a call_packed: the calls around it are in separate
// dataflow blocks.
// (kernels are not named after libm functions, hence exp1)
// CHECK-LABEL: relax.func @across_packed
// CHECK:         relax.dataflow {
// CHECK-NEXT:      relax.call_tir @{{exp[0-9]*}}(%x)
// CHECK-NEXT:      relax.output
// CHECK:         relax.call_packed "ext.print"
// CHECK-NEXT:    relax.dataflow {
// CHECK-NEXT:      relax.call_tir @relu(
// CHECK-NEXT:      relax.output
// CHECK-NOT:   relax.func private
relax.func @across_packed(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %e = relax.dataflow {
    %0 = relax.exp %x : !relax.tensor<[n], f32>
    relax.output %0 : !relax.tensor<[n], f32>
  }
  %p = relax.call_packed "ext.print"(%e) : !relax.object
  %r = relax.dataflow {
    %1 = relax.relu %e : !relax.tensor<[n], f32>
    relax.output %1 : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}

// -----

// %e has two users, so neither joins it; relu and the add that uses it
// (its only user) form a group.
// CHECK-LABEL: relax.func @two_users
// CHECK:         %[[E:.*]] = relax.call_tir @{{exp[0-9]*}}(%x)
// CHECK-NEXT:    %{{.*}} = relax.call @fused_relu_add(%[[E]]) : !relax.tensor<[n], f32>
// CHECK-NEXT:    relax.output
// CHECK:       relax.func private @fused_relu_add(
// CHECK-NOT:   relax.func private
relax.func @two_users(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %e = relax.exp %x : !relax.tensor<[n], f32>
    %r = relax.relu %e : !relax.tensor<[n], f32>
    %s = relax.add %r, %e : !relax.tensor<[n], f32>
    relax.output %s : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}

// -----

// A reduction absorbs a following element-wise op; an element-wise chain
// absorbs a reduction; a reduction does not absorb another reduction.
// CHECK-LABEL: relax.func @reductions
// CHECK:         %[[A:.*]] = relax.call @fused_{{exp[0-9]*}}_sum(%x) : !relax.tensor<[n], f32>
// CHECK-NEXT:    %{{.*}} = relax.call @fused_sum1_relu(%[[A]]) : !relax.tensor<[], f32>
relax.func @reductions(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[], f32> {
  %out = relax.dataflow {
    %0 = relax.exp %x : !relax.tensor<[n, 4], f32>
    %1 = relax.sum %0 {axis = [1]} : !relax.tensor<[n], f32>
    %2 = relax.sum %1 {axis = [0]} : !relax.tensor<[], f32>
    %3 = relax.relu %2 : !relax.tensor<[], f32>
    relax.output %3 : !relax.tensor<[], f32>
  }
  relax.return %out : !relax.tensor<[], f32>
}
