// RUN: relax-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Type inference errors of the reductions.

relax.func @axis_range(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}reduce-errors.mlir:[[# @LINE + 1]]:3: error: relax.sum: axis 2 is out of range for rank 2
  %y = relax.sum %x {axis = [2]} : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

relax.func @axis_repeated(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[], f32> {
  // CHECK: {{.*}}reduce-errors.mlir:[[# @LINE + 1]]:3: error: relax.max: axis -1 is repeated
  %y = relax.max %x {axis = [1, -1]} : !relax.tensor<[], f32>
  relax.return %y : !relax.tensor<[], f32>
}

// -----

relax.func @axis_not_ints(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[], f32> {
  // CHECK: {{.*}}reduce-errors.mlir:[[# @LINE + 1]]:3: error: relax.prod: 'axis' must be a list of integers, got [1.5]
  %y = relax.prod %x {axis = [1.5]} : !relax.tensor<[], f32>
  relax.return %y : !relax.tensor<[], f32>
}

// -----

relax.func @keepdims_not_bool(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 1], f32> {
  // CHECK: {{.*}}reduce-errors.mlir:[[# @LINE + 1]]:3: error: relax.min: 'keepdims' must be true or false, got 1
  %y = relax.min %x {axis = [1], keepdims = 1} : !relax.tensor<[n, 1], f32>
  relax.return %y : !relax.tensor<[n, 1], f32>
}

// -----

relax.func @mean_int(%x: !relax.tensor<[n, 4], i32>) -> !relax.tensor<[n], i32> {
  // CHECK: {{.*}}reduce-errors.mlir:[[# @LINE + 1]]:3: error: relax.mean: needs a float tensor, got i32 (convert with relax.cast)
  %y = relax.mean %x {axis = [1]} : !relax.tensor<[n], i32>
  relax.return %y : !relax.tensor<[n], i32>
}

// -----

relax.func @sum_bool(%x: !relax.tensor<[n], bool>) -> !relax.tensor<[], bool> {
  // CHECK: {{.*}}reduce-errors.mlir:[[# @LINE + 1]]:3: error: relax.sum: bool tensors cannot be reduced (convert with relax.cast)
  %y = relax.sum %x : !relax.tensor<[], bool>
  relax.return %y : !relax.tensor<[], bool>
}

// -----

relax.func @argmax_two_axes(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[], i64> {
  // CHECK: {{.*}}reduce-errors.mlir:[[# @LINE + 1]]:3: error: relax.argmax: 'axis' must be one axis, got [0, 1]
  %y = relax.argmax %x {axis = [0, 1]} : !relax.tensor<[], i64>
  relax.return %y : !relax.tensor<[], i64>
}

// -----

relax.func @argmin_result_dtype(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}reduce-errors.mlir:[[# @LINE + 1]]:3: error: relax.argmin: the result type !relax.tensor<[n], f32> does not match the inferred type !relax.tensor<[n], i64>
  %y = relax.argmin %x {axis = 1} : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

relax.func @keepdims_result(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}reduce-errors.mlir:[[# @LINE + 1]]:3: error: relax.sum: the result type !relax.tensor<[n], f32> does not match the inferred type !relax.tensor<[n, 1], f32>
  %y = relax.sum %x {axis = [1], keepdims = true} : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

relax.func @unknown_property(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}reduce-errors.mlir:[[# @LINE + 1]]:3: error: property 'axes' is not defined by the operation 'relax.sum'
  %y = relax.sum %x {axes = [1]} : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
