// RUN: relax-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Type inference errors of relax.matmul and relax.linear.

relax.func @k_differs(%a: !relax.tensor<[n, 4], f32>, %b: !relax.tensor<[5, m], f32>) -> !relax.tensor<[n, m], f32> {
  // CHECK: {{.*}}linalg-errors.mlir:[[# @LINE + 1]]:3: error: relax.matmul: the reduction dims do not match: 4 vs 5 (they differ; use relax.match_cast to assert a shape)
  %y = relax.matmul %a, %b : !relax.tensor<[n, m], f32>
  relax.return %y : !relax.tensor<[n, m], f32>
}

// -----

relax.func @k_unproven(%a: !relax.tensor<[n, k], f32>, %b: !relax.tensor<[j, m], f32>) -> !relax.tensor<[n, m], f32> {
  // CHECK: {{.*}}linalg-errors.mlir:[[# @LINE + 1]]:3: error: relax.matmul: the reduction dims do not match: k vs j (they are not provably equal; use relax.match_cast to assert a shape)
  %y = relax.matmul %a, %b : !relax.tensor<[n, m], f32>
  relax.return %y : !relax.tensor<[n, m], f32>
}

// -----

relax.func @batch(%a: !relax.tensor<[2, n, 4], f32>, %b: !relax.tensor<[3, 4, m], f32>) -> !relax.tensor<[2, n, m], f32> {
  // CHECK: {{.*}}linalg-errors.mlir:[[# @LINE + 1]]:3: error: relax.matmul: cannot broadcast dim 2 with 3 (they differ; use relax.match_cast to assert a shape)
  %y = relax.matmul %a, %b : !relax.tensor<[2, n, m], f32>
  relax.return %y : !relax.tensor<[2, n, m], f32>
}

// -----

relax.func @dtypes(%a: !relax.tensor<[n, 4], f32>, %b: !relax.tensor<[4, m], f16>) -> !relax.tensor<[n, m], f32> {
  // CHECK: {{.*}}linalg-errors.mlir:[[# @LINE + 1]]:3: error: relax.matmul: the rhs has dtype f16 but the lhs has f32 (use relax.cast)
  %y = relax.matmul %a, %b : !relax.tensor<[n, m], f32>
  relax.return %y : !relax.tensor<[n, m], f32>
}

// -----

relax.func @bools(%a: !relax.tensor<[2, 4], bool>, %b: !relax.tensor<[4, 3], bool>) -> !relax.tensor<[2, 3], bool> {
  // CHECK: {{.*}}linalg-errors.mlir:[[# @LINE + 1]]:3: error: relax.matmul: needs a numeric dtype, got bool (use relax.cast)
  %y = relax.matmul %a, %b : !relax.tensor<[2, 3], bool>
  relax.return %y : !relax.tensor<[2, 3], bool>
}

// -----

relax.func @scalar(%a: !relax.tensor<[], f32>, %b: !relax.tensor<[4], f32>) -> !relax.tensor<[], f32> {
  // CHECK: {{.*}}linalg-errors.mlir:[[# @LINE + 1]]:3: error: relax.matmul: the lhs is a scalar (rank 0); matmul needs rank >= 1
  %y = relax.matmul %a, %b : !relax.tensor<[], f32>
  relax.return %y : !relax.tensor<[], f32>
}

// -----

relax.func @wrong_result(%a: !relax.tensor<[n, k], f32>, %b: !relax.tensor<[k, m], f32>) -> !relax.tensor<[n, k], f32> {
  // CHECK: {{.*}}linalg-errors.mlir:[[# @LINE + 1]]:3: error: relax.matmul: the result type !relax.tensor<[n, k], f32> does not match the inferred type !relax.tensor<[n, m], f32>
  %y = relax.matmul %a, %b : !relax.tensor<[n, k], f32>
  relax.return %y : !relax.tensor<[n, k], f32>
}

// -----

relax.func @linear_in(%x: !relax.tensor<[n, 4], f32>, %w: !relax.tensor<[6, 5], f32>) -> !relax.tensor<[n, 6], f32> {
  // CHECK: {{.*}}linalg-errors.mlir:[[# @LINE + 1]]:3: error: relax.linear: the last dim of x does not match the weight's [out, in] in dim: 4 vs 5 (they differ; use relax.match_cast to assert a shape)
  %y = relax.linear %x, %w : !relax.tensor<[n, 6], f32>
  relax.return %y : !relax.tensor<[n, 6], f32>
}

// -----

relax.func @linear_weight_rank(%x: !relax.tensor<[n, 4], f32>, %w: !relax.tensor<[4], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}linalg-errors.mlir:[[# @LINE + 1]]:3: error: relax.linear: the weight must have rank 2 ([out, in]), got rank 1
  %y = relax.linear %x, %w : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

relax.func @linear_bias(%x: !relax.tensor<[n, 4], f32>, %w: !relax.tensor<[6, 4], f32>, %b: !relax.tensor<[n], f32>) -> !relax.tensor<[n, 6], f32> {
  // CHECK: {{.*}}linalg-errors.mlir:[[# @LINE + 1]]:3: error: relax.linear: the bias of shape [n] does not broadcast to the output shape [n, 6]
  %y = relax.linear %x, %w, %b : !relax.tensor<[n, 6], f32>
  relax.return %y : !relax.tensor<[n, 6], f32>
}

// -----

relax.func @linear_arity(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 6], f32> {
  // CHECK: {{.*}}linalg-errors.mlir:[[# @LINE + 1]]:3: error: relax.linear: expects 2 operands (x, weight) or 3 (x, weight, bias), got 1
  %y = relax.linear %x : !relax.tensor<[n, 6], f32>
  relax.return %y : !relax.tensor<[n, 6], f32>
}
