// RUN: relax-opt %s --split-input-file --verify-diagnostics | tee %t | filecheck %s
// RUN: not grep -n "builtin.module" %t

// Type inference of element-wise ops: every incompatible input is reported
// at the op (file:line:col) with what is wrong.

relax.func @float_only(%x: !relax.tensor<[n], i32>) -> !relax.tensor<[n], i32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.exp: needs a float tensor, got i32 (use relax.cast)
  %y = relax.exp %x : !relax.tensor<[n], i32>
  relax.return %y : !relax.tensor<[n], i32>
}

// -----

relax.func @gelu_int(%x: !relax.tensor<[4], i64>) -> !relax.tensor<[4], i64> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.gelu: needs a float tensor, got i64
  %y = relax.gelu %x : !relax.tensor<[4], i64>
  relax.return %y : !relax.tensor<[4], i64>
}

// -----

relax.func @gelu_approximate(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.gelu: approximate must be "none" or "tanh", got 'fast'
  %y = relax.gelu %x {approximate = "fast"} : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @neg_bool(%x: !relax.tensor<[4], bool>) -> !relax.tensor<[4], bool> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.neg: is not defined on bool tensors (use relax.cast)
  %y = relax.neg %x : !relax.tensor<[4], bool>
  relax.return %y : !relax.tensor<[4], bool>
}

// -----

relax.func @clip_order(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.clip: min (6.0) is greater than max (0.0)
  %y = relax.clip %x {min = 6.0, max = 0.0} : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @clip_int_bound(%x: !relax.tensor<[4], i32>) -> !relax.tensor<[4], i32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.clip: min = 0.5 is not an integer, but the tensor is i32
  %y = relax.clip %x {min = 0.5} : !relax.tensor<[4], i32>
  relax.return %y : !relax.tensor<[4], i32>
}

// -----

relax.func @clip_bound_type(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.clip: max must be a number, got 'six'
  %y = relax.clip %x {max = "six"} : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @cast_dtype(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.cast: unknown dtype 'f17' (known: f16, bf16, f32, f64, bool, {{.*}})
  %y = relax.cast %x {dtype = "f17"} : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @cast_result(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.cast: the result type !relax.tensor<[4], f32> does not match the inferred type !relax.tensor<[4], i8>
  %y = relax.cast %x {dtype = "i8"} : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @cast_missing(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.cast: needs the property dtype (e.g. {dtype = "f16"})
  %y = relax.cast %x : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @dtypes(%a: !relax.tensor<[4], f32>, %b: !relax.tensor<[4], f16>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.multiply: operands have different dtypes f32, f16 (use relax.cast)
  %y = relax.multiply %a, %b : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @broadcast(%a: !relax.tensor<[n, 3], f32>, %b: !relax.tensor<[4], f32>) -> !relax.tensor<[n, 4], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.subtract: cannot broadcast dim 3 with 4 (they differ; use relax.match_cast to assert a shape)
  %y = relax.subtract %a, %b : !relax.tensor<[n, 4], f32>
  relax.return %y : !relax.tensor<[n, 4], f32>
}

// -----

relax.func @symbolic_broadcast(%a: !relax.tensor<[n], f32>, %b: !relax.tensor<[m], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.add: cannot broadcast dim n with m (they are not provably equal; use relax.match_cast to assert a shape)
  %y = relax.add %a, %b : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

relax.func @result_shape(%a: !relax.tensor<[n, 1], f32>, %b: !relax.tensor<[1, 4], f32>) -> !relax.tensor<[n, 1], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.divide: the result type !relax.tensor<[n, 1], f32> does not match the inferred type !relax.tensor<[n, 4], f32>
  %y = relax.divide %a, %b : !relax.tensor<[n, 1], f32>
  relax.return %y : !relax.tensor<[n, 1], f32>
}

// -----

relax.func @compare_result(%a: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.less_equal: the result type !relax.tensor<[4], f32> does not match the inferred type !relax.tensor<[4], i1>
  %y = relax.less_equal %a, %a : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @power_int(%a: !relax.tensor<[4], i32>) -> !relax.tensor<[4], i32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.power: needs a float tensor, got i32 (use relax.cast)
  %y = relax.power %a, %a : !relax.tensor<[4], i32>
  relax.return %y : !relax.tensor<[4], i32>
}

// -----

relax.func @arith_bool(%a: !relax.tensor<[4], bool>) -> !relax.tensor<[4], bool> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.maximum: is not defined on bool tensors
  %y = relax.maximum %a, %a : !relax.tensor<[4], bool>
  relax.return %y : !relax.tensor<[4], bool>
}

// -----

relax.func @where_cond(%c: !relax.tensor<[4], f32>, %a: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.where: the condition must be a bool tensor, got f32 (compare it, e.g. relax.not_equal)
  %y = relax.where %c, %a, %a : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @where_branches(%c: !relax.tensor<[4], bool>, %a: !relax.tensor<[4], f32>, %b: !relax.tensor<[], i32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.where: operands have different dtypes f32, i32 (use relax.cast)
  %y = relax.where %c, %a, %b : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @where_broadcast(%c: !relax.tensor<[3, 1], bool>, %a: !relax.tensor<[2], f32>, %b: !relax.tensor<[5], f32>) -> !relax.tensor<[3, 2], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.where: cannot broadcast dim 2 with 5 (they differ
  %y = relax.where %c, %a, %b : !relax.tensor<[3, 2], f32>
  relax.return %y : !relax.tensor<[3, 2], f32>
}

// -----

relax.func @not_a_tensor(%s: !relax.shape<[4]>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 2]]:3: error: operand 'x' at position 0 does not verify:
  // CHECK-NEXT: !relax.shape<[4]> should be of base attribute relax.tensor
  %y = relax.sqrt %s : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @cast_dtype_kind(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.cast: the property dtype must name a dtype ("f16", "i32", "bool", ...), got 4
  %y = relax.cast %x {dtype = 4} : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @gelu_approximate_kind(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.gelu: approximate must be "none" or "tanh", got True
  %y = relax.gelu %x {approximate = true} : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

relax.func @clip_int_range(%x: !relax.tensor<[4], i8>) -> !relax.tensor<[4], i8> {
  // CHECK: {{.*}}elementwise-errors.mlir:[[# @LINE + 1]]:3: error: relax.clip: max = 300 is out of the range of i8
  %y = relax.clip %x {min = -128, max = 300} : !relax.tensor<[4], i8>
  relax.return %y : !relax.tensor<[4], i8>
}
