// RUN: relax-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Type inference errors of the ops the ONNX frontend added, each naming the op.
relax.func @celu_alpha(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.celu: alpha must not be 0
  %y = relax.celu %x {alpha = 0.0} : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @logic_on_ints(%x: !relax.tensor<[4], i32>) -> !relax.tensor<[4], i32> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.logical_and: needs bool tensors, got i32
  %y = relax.logical_and %x, %x : !relax.tensor<[4], i32>
  relax.return %y : !relax.tensor<[4], i32>
}

// -----

relax.func @bits_on_floats(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.bitwise_or: needs integer tensors, got f32
  %y = relax.bitwise_or %x, %x : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @trig_on_ints(%x: !relax.tensor<[4], i32>) -> !relax.tensor<[4], i32> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.cos: needs a float tensor, got i32 (use relax.cast)
  %y = relax.cos %x : !relax.tensor<[4], i32>
  relax.return %y : !relax.tensor<[4], i32>
}

// -----

relax.func @arange_step(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], i64> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.arange: step must be a non-zero integer, got n
  %y = relax.arange {end = #tir.expr<n>, step = #tir.expr<n>} : !relax.tensor<[n], i64>
  relax.return %y : !relax.tensor<[n], i64>
}

// -----

relax.func @symbolic_tensor_fill() -> !relax.tensor<[3], i64> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.symbolic_tensor: 2 values do not fill the shape [3]
  %y = relax.symbolic_tensor {values = [1, 2], shape = [3]} : !relax.tensor<[3], i64>
  relax.return %y : !relax.tensor<[3], i64>
}

// -----

relax.func @topk_too_many(%x: !relax.tensor<[2, 3], f32>) -> !relax.tensor<[2, 4], f32> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.topk: k = 4 is out of range for a dim of 3
  %t = relax.topk %x {k = 4} : !relax.tuple<!relax.tensor<[2, 4], f32>, !relax.tensor<[2, 4], i64>>
  %y = relax.get_item %t[0]
  relax.return %y : !relax.tensor<[2, 4], f32>
}

// -----

relax.func @gather_rank(%x: !relax.tensor<[2, 3], f32>, %i: !relax.tensor<[2], i64>) -> !relax.tensor<[2], f32> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.gather_elements: the indices have rank 1, x has rank 2
  %y = relax.gather_elements %x, %i : !relax.tensor<[2], f32>
  relax.return %y : !relax.tensor<[2], f32>
}

// -----

relax.func @scatter_reduction(%x: !relax.tensor<[3], f32>, %i: !relax.tensor<[2, 1], i64>, %u: !relax.tensor<[2], f32>) -> !relax.tensor<[3], f32> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.scatter_nd: reduction must be one of none, add, mul, max, min, got 'avg'
  %y = relax.scatter_nd %x, %i, %u {reduction = "avg"} : !relax.tensor<[3], f32>
  relax.return %y : !relax.tensor<[3], f32>
}

// -----

relax.func @conv3d_rank(%x: !relax.tensor<[1, 2, 4, 4], f32>, %w: !relax.tensor<[2, 2, 1, 1, 1], f32>) -> !relax.tensor<[1, 2, 4, 4], f32> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.conv3d: the data must be 5-D, got rank 4
  %y = relax.conv3d %x, %w : !relax.tensor<[1, 2, 4, 4], f32>
  relax.return %y : !relax.tensor<[1, 2, 4, 4], f32>
}

// -----

relax.func @transpose_channels(%x: !relax.tensor<[1, 3, 4, 4], f32>, %w: !relax.tensor<[2, 2, 3, 3], f32>) -> !relax.tensor<[1, 2, 6, 6], f32> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.conv2d_transpose: the data's channels and the weight's first dim: 3 vs 2 (they differ; use relax.match_cast to assert a shape)
  %y = relax.conv2d_transpose %x, %w : !relax.tensor<[1, 2, 6, 6], f32>
  relax.return %y : !relax.tensor<[1, 2, 6, 6], f32>
}

// -----

relax.func @resize_mode(%x: !relax.tensor<[1, 1, 2, 2], f32>) -> !relax.tensor<[1, 1, 4, 4], f32> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.resize: mode must be one of nearest, linear, cubic, got 'bicubic'
  %y = relax.resize %x {sizes = [1, 1, 4, 4], mode = "bicubic"} : !relax.tensor<[1, 1, 4, 4], f32>
  relax.return %y : !relax.tensor<[1, 1, 4, 4], f32>
}

// -----

relax.func @group_norm_groups(%x: !relax.tensor<[1, 6, 2, 2], f32>, %g: !relax.tensor<[6], f32>) -> !relax.tensor<[1, 6, 2, 2], f32> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.group_norm: 6 channels do not split into 4 groups
  %y = relax.group_norm %x, %g, %g {num_groups = 4} : !relax.tensor<[1, 6, 2, 2], f32>
  relax.return %y : !relax.tensor<[1, 6, 2, 2], f32>
}

// -----

relax.func @einsum_dims(%a: !relax.tensor<[2, 3], f32>, %b: !relax.tensor<[4, 5], f32>) -> !relax.tensor<[2, 5], f32> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.einsum: the dim 'j' is 4 in one operand and 3 in another (differs)
  %y = relax.einsum %a, %b {subscripts = "ij,jk->ik"} : !relax.tensor<[2, 5], f32>
  relax.return %y : !relax.tensor<[2, 5], f32>
}

// -----

relax.func @bitcast_width(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], i64> {
  // CHECK: {{.*}}onnx-ops-errors.mlir:[[# @LINE + 1]]:3: error: relax.bitcast: f32 has 32 bits, i64 has 64: a bitcast keeps the width
  %y = relax.bitcast %x {dtype = "i64"} : !relax.tensor<[4], i64>
  relax.return %y : !relax.tensor<[4], i64>
}
