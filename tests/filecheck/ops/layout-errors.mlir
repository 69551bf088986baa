// RUN: relax-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Type inference errors of relax.layout_transform.
relax.func @drops(%x: !relax.tensor<[4, 3], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}layout-errors.mlir:[[# @LINE + 1]]:3: error: relax.layout_transform: the index map drops the index 'd1', so it has no inverse
  %y = relax.layout_transform %x {index_map = affine_map<(d0, d1) -> (d0)>} : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @arity(%x: !relax.tensor<[4, 3], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}layout-errors.mlir:[[# @LINE + 1]]:3: error: relax.layout_transform: the index map takes 1 indices, the tensor has rank 2
  %y = relax.layout_transform %x {index_map = affine_map<(d0) -> (d0)>} : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @overlap(%x: !relax.tensor<[4, 3], f32>) -> !relax.tensor<[6], f32> {
  // CHECK: {{.*}}layout-errors.mlir:[[# @LINE + 1]]:3: error: relax.layout_transform: cannot invert the index d0 + d1: xrelax inverts permutations, splits (d floordiv k, d mod k) and row-major merges
  %y = relax.layout_transform %x {index_map = affine_map<(d0, d1) -> (d0 + d1)>} : !relax.tensor<[6], f32>
  relax.return %y : !relax.tensor<[6], f32>
}

// -----

relax.func @half_split(%x: !relax.tensor<[32], f32>) -> !relax.tensor<[2], f32> {
  // CHECK: {{.*}}layout-errors.mlir:[[# @LINE + 1]]:3: error: relax.layout_transform: cannot invert the index map: 'd0' needs both d0 floordiv k and d0 mod k with the same k
  %y = relax.layout_transform %x {index_map = affine_map<(d0) -> (d0 floordiv 16)>} : !relax.tensor<[2], f32>
  relax.return %y : !relax.tensor<[2], f32>
}

// -----

relax.func @not_a_map(%x: !relax.tensor<[32], f32>) -> !relax.tensor<[32], f32> {
  // CHECK: {{.*}}layout-errors.mlir:[[# @LINE + 1]]:3: error: relax.layout_transform: 'index_map' must be an affine_map, got [1]
  %y = relax.layout_transform %x {index_map = [1]} : !relax.tensor<[32], f32>
  relax.return %y : !relax.tensor<[32], f32>
}

// -----

relax.func @pad_dtype(%x: !relax.tensor<[32], i32>) -> !relax.tensor<[2, 16], i32> {
  // CHECK: {{.*}}layout-errors.mlir:[[# @LINE + 1]]:3: error: relax.layout_transform: 'pad_value'
  %y = relax.layout_transform %x {index_map = affine_map<(d0) -> (d0 floordiv 16, d0 mod 16)>, pad_value = 0.5 : f64} : !relax.tensor<[2, 16], i32>
  relax.return %y : !relax.tensor<[2, 16], i32>
}

// -----

relax.func @wrong_result(%x: !relax.tensor<[40], f32>) -> !relax.tensor<[2, 16], f32> {
  // CHECK: {{.*}}layout-errors.mlir:[[# @LINE + 1]]:3: error: relax.layout_transform: the result type !relax.tensor<[2, 16], f32> does not match the inferred type !relax.tensor<[3, 16], f32>
  %y = relax.layout_transform %x {index_map = affine_map<(d0) -> (d0 floordiv 16, d0 mod 16)>} : !relax.tensor<[2, 16], f32>
  relax.return %y : !relax.tensor<[2, 16], f32>
}
