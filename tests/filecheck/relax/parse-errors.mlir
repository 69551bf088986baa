// RUN: relax-opt %s --split-input-file --verify-diagnostics | tee %t | filecheck %s
// RUN: not grep -n "builtin.module" %t

// Malformed text: each case is a parse error at the offending token, shown
// with the source line.

relax.func @missing_brace(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  relax.return %x : !relax.tensor<[n], f32>
// The chunk ends at the separator line below.
// CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 2]]:1: error: expected an operation or '}' (the input ends here: is a '}' missing?)

// -----

relax.func @stray_token(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK:      {{.*}}parse-errors.mlir:[[# @LINE + 3]]:3: error: expected an operation or '}'
  // CHECK-NEXT: 42
  // CHECK-NEXT: ^^
  42
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// CHECK:      {{.*}}parse-errors.mlir:[[# @LINE + 3]]:50: error: type expected
// CHECK-NEXT: relax.func @unknown_dtype(%x: !relax.tensor<[n], f99>) -> !relax.object {
// CHECK-NEXT: {{ +}}^^^{{$}}
relax.func @unknown_dtype(%x: !relax.tensor<[n], f99>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f99>
}

// -----

// CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:54: error: 'i4' is not a supported dtype (expected one of f16, bf16, f32, f64, bool, i1, i8, i16, i32, i64, ui8)
relax.func @unsupported_dtype(%x: !relax.tensor<[n], i4>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], i4>
}

// -----

// CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:48: error: 'index' is not a supported dtype
relax.func @index_dtype(%x: !relax.tensor<[n], index>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], index>
}

// -----

// CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:33: error: type expected
"test.op"() : () -> !relax.prim<f99>

// -----

relax.func @unknown_op(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:25: error: Operation relax.frobnicate is not registered
  %y = relax.frobnicate %x
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:44: error: Expected ',' between the shape and dtype of a tensor
relax.func @no_comma(%x: !relax.tensor<[n] f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:45: error: Expected integer literal
relax.func @bad_ndim(%x: !relax.tensor<ndim=-1, f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:48: error: expected a symbolic integer expression
relax.func @prim_no_value(%x: !relax.prim<i64, >) -> !relax.object {
  relax.return %x : !relax.prim<i64>
}

// -----

relax.func @constant_dtype(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:23: error: relax.constant: tensor<2xi4> must have a static shape and a supported dtype
  %c = relax.constant dense<1> : tensor<2xi4>
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @constant_dynamic(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:23: error: relax.constant: tensor<?xf32> must have a static shape and a supported dtype
  %c = relax.constant dense_resource<blob> : tensor<?xf32>
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @constant_vector(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:23: error: relax.constant expects dense<...> or dense_resource<...> with a tensor type
  %c = relax.constant dense<1> : vector<2xi32>
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @constant_scalar(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:23: error: relax.constant expects dense<...> or dense_resource<...> with a tensor type
  %c = relax.constant 1 : i32
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @packed_name(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:26: error: expected the external function's name as a string literal
  %y = relax.call_packed print(%x) : !relax.object
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @undefined_value(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:24: error: '%nope' is not defined at this point
  %y = relax.tuple(%x, %nope)
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @use_before_def(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:20: error: '%z' is not defined at this point
  %y = relax.tuple(%z)
  %z = relax.tuple(%x)
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @results_count(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:3: error: Operation has 2 results, but was given 1 to bind.
  %p = relax.call_packed "f"(%x) : (!relax.object, !relax.object)
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @prim_value_dtype(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:29: error: type expected
  %y = relax.prim_value n : f99
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @shape_trailing_comma(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:24: error: expected a symbolic integer expression
  %y = relax.shape [n, ]
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @return_type(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}parse-errors.mlir:[[# @LINE + 1]]:21: error: type !relax.tensor<[m], f32> does not match the value's type !relax.tensor<[n], f32>
  relax.return %x : !relax.tensor<[m], f32>
}
