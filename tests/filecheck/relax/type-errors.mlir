// RUN: relax-opt %s --split-input-file --verify-diagnostics | tee %t | filecheck %s
// RUN: not grep -n "builtin.module" %t

// Types must agree where they are determined: match_cast, relax.return,
// get_item, relax.if, and the operand and result types of relax ops.

relax.func @cast_dtype(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.match_cast: a value of type !relax.tensor<[n], f32> can never have type !relax.tensor<[n], i32>
  %y = relax.match_cast %x : !relax.tensor<[n], i32>
  relax.return %y : !relax.tensor<[n], i32>
}

// -----

relax.func @cast_rank(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.match_cast: a value of type !relax.tensor<[n], f32> can never have type !relax.tensor<[n, 4], f32>
  %y = relax.match_cast %x : !relax.tensor<[n, 4], f32>
  relax.return %y : !relax.tensor<[n, 4], f32>
}

// -----

relax.func @cast_dim(%x: !relax.tensor<[n, 4], f32>) -> !relax.object {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.match_cast: a value of type !relax.tensor<[n, 4], f32> can never have type !relax.tensor<[m, 5], f32>
  %y = relax.match_cast %x : !relax.tensor<[m, 5], f32>
  relax.return %y : !relax.tensor<[m, 5], f32>
}

// -----

relax.func @cast_kind(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.match_cast: a value of type !relax.tensor<[n], f32> can never have type !relax.shape<[n]>
  %y = relax.match_cast %x : !relax.shape<[n]>
  relax.return %y : !relax.shape<[n]>
}

// -----

relax.func @cast_not_relax(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.match_cast target has type i32, which is not a relax type
  %y = relax.match_cast %x : i32
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @return_dtype(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f16> {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.return: the returned value has type !relax.tensor<[n], f32>, which is not provably of the declared result type !relax.tensor<[n], f16> of @return_dtype (use relax.match_cast to check it at run time)
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @return_unknown_shape(%x: !relax.tensor<ndim=1, f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.return: the returned value has type !relax.tensor<ndim=1, f32>, which is not provably of the declared result type !relax.tensor<[4], f32> of @return_unknown_shape
  relax.return %x : !relax.tensor<ndim=1, f32>
}

// -----

// m and n may be equal at run time, but that is not provable.
relax.func @return_other_var(%x: !relax.tensor<[n], f32>, %y: !relax.tensor<[m], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.return: the returned value has type !relax.tensor<[m], f32>, which is not provably of the declared result type !relax.tensor<[n], f32> of @return_other_var
  relax.return %y : !relax.tensor<[m], f32>
}

// -----

relax.func @return_tuple(%x: !relax.tensor<[n], f32>) -> !relax.tuple<!relax.tensor<[n], f32>> {
  %t = relax.tuple(%x, %x)
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.return: the returned value has type !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>>, which is not provably of the declared result type !relax.tuple<!relax.tensor<[n], f32>> of @return_tuple
  relax.return %t : !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>>
}

// -----

relax.func @return_prim(%p: !relax.prim<i64>) -> !relax.prim<i64, 4> {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.return: the returned value has type !relax.prim<i64>, which is not provably of the declared result type !relax.prim<i64, 4> of @return_prim
  relax.return %p : !relax.prim<i64>
}

// -----

relax.func @get_item_range(%x: !relax.tensor<[n], f32>) -> !relax.object {
  %t = relax.tuple(%x, %x)
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:26: error: index 2 is out of range for a tuple of 2 fields
  %a = relax.get_item %t[2]
  relax.return %a : !relax.tensor<[n], f32>
}

// -----

relax.func @get_item_negative(%x: !relax.tensor<[n], f32>) -> !relax.object {
  %t = relax.tuple(%x, %x)
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:26: error: index -1 is out of range for a tuple of 2 fields
  %a = relax.get_item %t[-1]
  relax.return %a : !relax.tensor<[n], f32>
}

// -----

relax.func @get_item_empty() -> !relax.object {
  %t = relax.tuple()
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:26: error: index 0 is out of range for a tuple of 0 fields
  %a = relax.get_item %t[0]
  relax.return %t : !relax.tuple<>
}

// -----

// The generic form reaches the verifier.
"relax.func"() <{sym_name = "get_item_generic", function_type = (!relax.tensor<[2], f32>) -> !relax.object}> ({
^bb0(%x: !relax.tensor<[2], f32>):
  %t = "relax.tuple"(%x) : (!relax.tensor<[2], f32>) -> !relax.tuple<!relax.tensor<[2], f32>>
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.get_item: index 5 is out of range for a tuple of 1 fields
  %a = "relax.get_item"(%t) <{index = #tir.expr<5>}> : (!relax.tuple<!relax.tensor<[2], f32>>) -> !relax.tensor<[2], f32>
  "relax.return"(%a) : (!relax.tensor<[2], f32>) -> ()
}) : () -> ()

// -----

relax.func @get_item_not_tuple(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:23: error: relax.get_item expects a tuple, got !relax.tensor<[n], f32>
  %a = relax.get_item %x[0]
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @shape_of_not_tensor(%x: !relax.tensor<[n], f32>) -> !relax.object {
  %s = relax.shape_of %x
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:23: error: relax.shape_of expects a tensor, got !relax.shape<[n]>
  %z = relax.shape_of %s
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @if_i32(%c: !relax.prim<i32>, %x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.if condition must be a bool scalar (tensor<[], i1> or prim<i1>), got !relax.prim<i32>
  %r = relax.if %c -> !relax.tensor<[n], f32> {
    relax.yield %x : !relax.tensor<[n], f32>
  } else {
    relax.yield %x : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}

// -----

relax.func @if_not_scalar(%c: !relax.tensor<[1], bool>, %x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.if condition must be a bool scalar (tensor<[], i1> or prim<i1>), got !relax.tensor<[1], i1>
  %r = relax.if %c -> !relax.tensor<[n], f32> {
    relax.yield %x : !relax.tensor<[n], f32>
  } else {
    relax.yield %x : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}

// -----

relax.func @if_yield_type(%c: !relax.prim<bool>, %x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.if else region yields !relax.prim<i1>, which is not provably of the result type !relax.tensor<[n], f32>
  %r = relax.if %c -> !relax.tensor<[n], f32> {
    relax.yield %x : !relax.tensor<[n], f32>
  } else {
    relax.yield %c : !relax.prim<i1>
  }
  relax.return %r : !relax.tensor<[n], f32>
}

// -----

relax.func @if_yield_count(%c: !relax.prim<bool>, %x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.if else region yields 0 values, expected 1
  %r = relax.if %c -> !relax.tensor<[n], f32> {
    relax.yield %x : !relax.tensor<[n], f32>
  } else {
    relax.yield
  }
  relax.return %r : !relax.tensor<[n], f32>
}

// -----

relax.func @if_no_else(%c: !relax.prim<bool>, %x: !relax.tensor<[n], f32>) -> !relax.object {
  %r = relax.if %c -> !relax.tensor<[n], f32> {
    relax.yield %x : !relax.tensor<[n], f32>
  }
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: Expected 'else'
  relax.return %r : !relax.tensor<[n], f32>
}

// -----

relax.func @packed_arg(%x: !relax.tensor<[n], f32>) -> !relax.object {
  %c = arith.constant 1 : i32
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: argument #0 of relax.call_packed has type i32, which is not a relax type
  %p = relax.call_packed "f"(%c) : !relax.object
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @dps_packed_no_output(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_dps_packed needs at least one output type
  relax.call_dps_packed "g"(%x) : ()
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @param_not_relax(%x: i32) -> !relax.object {
  %t = relax.tuple()
  relax.return %t : !relax.tuple<>
}
// CHECK: {{.*}}type-errors.mlir:[[# @LINE - 4]]:1: error: parameter #0 of @param_not_relax has type i32, which is not a relax type

// -----

// CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:12: error: relax.func @two_results must declare exactly one result type
relax.func @two_results(%x: !relax.tensor<[n], f32>) -> (!relax.object, !relax.object) {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @return_two(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:16: error: relax.return takes exactly one value
  relax.return %x, %x : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
}

// -----

// CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:1: error: relax.func @no_result must have exactly one result type (use a tuple for several)
"relax.func"() <{sym_name = "no_result", function_type = (!relax.tensor<[2], f32>) -> ()}> ({
^bb0(%x: !relax.tensor<[2], f32>):
  "relax.return"(%x) : (!relax.tensor<[2], f32>) -> ()
}) : () -> ()

// -----

// CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:1: error: entry block argument types do not match the function type
"relax.func"() <{sym_name = "block_args", function_type = (!relax.tensor<[2], f32>) -> !relax.object}> ({
^bb0(%x: !relax.tensor<[3], f32>):
  "relax.return"(%x) : (!relax.tensor<[3], f32>) -> ()
}) : () -> ()

// -----

// Result types of generic ops that disagree with their operands.
%x = "test.op"() : () -> !relax.tensor<[2], f32>
// CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:1: error: relax.shape_of: result type !relax.shape<[3]> does not match the tensor's shape !relax.shape<[2]>
%s = "relax.shape_of"(%x) : (!relax.tensor<[2], f32>) -> !relax.shape<[3]>

// -----

// CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:1: error: relax.shape: result type does not match its dims
%s = "relax.shape"() <{dims = [#tir.expr<2>]}> : () -> !relax.shape<[3]>

// -----

// CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:1: error: relax.prim_value: result type does not match its value
%p = "relax.prim_value"() <{value = #tir.expr<2>}> : () -> !relax.prim<i64, 3>

// -----

// CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:1: error: relax.constant: result type !relax.tensor<[3], f32> does not match the value's type tensor<2xf32>
%c = "relax.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> !relax.tensor<[3], f32>

// -----

%x = "test.op"() : () -> !relax.tensor<[2], f32>
// CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:1: error: relax.tuple: result type does not match the field types
%t = "relax.tuple"(%x) : (!relax.tensor<[2], f32>) -> !relax.tuple<>

// -----

%x = "test.op"() : () -> !relax.tensor<[2], f32>
// CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:1: error: 'relax.return' expects parent op 'relax.func'
relax.return %x : !relax.tensor<[2], f32>

// -----

// CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:38: error: tuple field i32 is not a relax type
%t = "test.op"() : () -> !relax.tuple<i32>

// -----

relax.func @f(%x: !relax.tensor<[n], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f32>
}
// CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:1: error: Redefinition of symbol "f"
relax.func @f(%x: !relax.tensor<[n], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @main() -> !relax.tensor<[2], f32> {
// CHECK: {{.*}}type-errors.mlir:[[# @LINE + 1]]:3: error: relax.constant: dense_resource<missing_blob> has no data
  %c = relax.constant dense_resource<missing_blob> : tensor<2xf32>
  relax.return %c : !relax.tensor<[2], f32>
}
