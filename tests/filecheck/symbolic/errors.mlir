// RUN: relax-opt %s --split-input-file --verify-diagnostics | tee %t | filecheck %s
// RUN: not grep -n "builtin.module" %t

// Symbolic variables must be defined before use, and symbolic expressions
// must be well formed.

// `n` appears only in a composite dim, so no parameter defines it.
// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:1: error: symbolic variable 'n' in the type of parameter #0 of @composite_only is not defined: it must stand alone as a dim of some parameter
relax.func @composite_only(%x: !relax.tensor<[n * 2], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n * 2], f32>
}

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:1: error: symbolic variable 'm' in the type of parameter #1 of @composite_other is not defined: it must stand alone as a dim of some parameter
relax.func @composite_other(%x: !relax.tensor<[n], f32>, %y: !relax.tensor<[n + m], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// A match_cast inside a relax.if does not define variables of the result type
// (one in the body outside relax.if does).
// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:1: error: symbolic variable 'm' in the result type of @result_type is not defined by the parameters, nor by a relax.match_cast in the body outside relax.if
relax.func @result_type(%x: !relax.tensor<[n], f32>, %c: !relax.tensor<[], i1>) -> !relax.tensor<[m], f32> {
  %r = relax.if %c -> !relax.tensor<[m], f32> {
    %y = relax.match_cast %x : !relax.tensor<[m], f32>
    relax.yield %y : !relax.tensor<[m], f32>
  } else {
    %z = relax.match_cast %x : !relax.tensor<[m], f32>
    relax.yield %z : !relax.tensor<[m], f32>
  }
  relax.return %r : !relax.tensor<[m], f32>
}

// -----

relax.func @match_cast_composite(%x: !relax.tensor<ndim=1, f32>) -> !relax.object {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: relax.match_cast: symbolic variable 'k' is not defined; a match_cast defines only variables that stand alone as a dim (e.g. [k], not [k * 2])
  %y = relax.match_cast %x : !relax.tensor<[k * 2], f32>
  relax.return %y : !relax.tensor<[k * 2], f32>
}

// -----

relax.func @shape_op(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: relax.shape: symbolic variable 'k' is used before it is defined (define it by a parameter's type or an earlier relax.match_cast)
  %s = relax.shape [n, k]
  relax.return %s : !relax.shape<[n, k]>
}

// -----

relax.func @prim_value(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: relax.prim_value: symbolic variable 'k' is used before it is defined
  %p = relax.prim_value k + 1 : i64
  relax.return %p : !relax.prim<i64, k + 1>
}

// -----

tir.func @tile(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n * t], f32>) sym(t) {
}
relax.func @call_tir_sym(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: symbolic variable 'k' is used before it is defined
  %y = relax.call_tir @tile(%x) sym [k] : !relax.tensor<[n * k], f32>
  relax.return %y : !relax.tensor<[n * k], f32>
}

// -----

relax.func @result_of_op(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: relax.call_dps_packed: symbolic variable 'k' is used before it is defined
  %y = relax.call_dps_packed "g"(%x) : !relax.tensor<[k], f32>
  relax.return %y : !relax.tensor<[k], f32>
}

// -----

// A variable bound inside one function is not visible in the next one.
relax.func @binds(%x: !relax.tensor<[k], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[k], f32>
}
relax.func @other(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: relax.shape: symbolic variable 'k' is used before it is defined
  %s = relax.shape [k]
  relax.return %s : !relax.shape<[k]>
}

// -----

// Malformed expressions are parse errors at the offending token.
// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:44: error: expected a symbolic integer expression (an integer, a variable name, min(...), max(...) or '(')
relax.func @dangling(%x: !relax.tensor<[n -], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:51: error: expected a symbolic integer expression
relax.func @double_minus(%x: !relax.tensor<[n - - ], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:49: error: expected a symbolic integer expression
relax.func @mod_operand(%x: !relax.tensor<[n mod], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:39: error: 'n.m' is not a valid symbolic variable name (letters, digits and '_')
relax.func @dotted(%x: !relax.tensor<[n.m], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:40: error: 'floordiv' is not a valid symbolic variable name (letters, digits and '_')
relax.func @keyword(%x: !relax.tensor<[floordiv], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:73: error: '>' expected
relax.func @no_space(%x: !relax.tensor<[n], f32>) -> !relax.prim<i64, n mod4> {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:52: error: symbolic floordiv by zero
relax.func @div_zero(%x: !relax.tensor<[n floordiv 0], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:40: error: symbolic mod by zero
"test.op"() {e = #tir.expr<(n + 1) mod (n - n)>} : () -> ()

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:44: error: Expected ')'
relax.func @paren(%x: !relax.tensor<[(n + 1], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:47: error: Expected ',' between the arguments of 'min'
relax.func @min_arity(%x: !relax.tensor<[min(n)], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// Dims are non-negative.
// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:39: error: tensor type has a negative dimension -1
relax.func @negative(%x: !relax.tensor<[-1], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[-1], f32>
}

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:35: error: buffer type has a negative dimension -n - 1
tir.func @negative(%X: !tir.buffer<[-n - 1], f32>) {
}
