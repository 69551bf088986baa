// RUN: relax-opt %s --split-input-file --verify-diagnostics | tee %t | filecheck %s
// RUN: not grep -n "builtin.module" %t

// relax.call_tir must agree with its tir callee.

relax.func @missing(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: no function named @nope in the module
  %y = relax.call_tir @nope(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

relax.func @g(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  relax.return %x : !relax.tensor<[n], f32>
}
relax.func @not_tir(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: @g is a relax.func, not a tir.func
  %y = relax.call_tir @g(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
}
relax.func @arity(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: @exp takes 2 parameters, but the call passes 2 arguments and 1 outputs
  %y = relax.call_tir @exp(%x, %x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
}
relax.func @arg_dtype(%x: !relax.tensor<[n], f16>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: argument #0 of @exp has dtype f16, the kernel expects f32
  %y = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
}
relax.func @output_dtype(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], i32> {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: output #0 of @exp has dtype i32, the kernel expects f32
  %y = relax.call_tir @exp(%x) : !relax.tensor<[n], i32>
  relax.return %y : !relax.tensor<[n], i32>
}

// -----

tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
}
relax.func @rank(%x: !relax.tensor<[n, 2], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: argument #0 of @exp has rank 2, the kernel expects 1
  %y = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

// The kernel binds n from the argument, so an output of [n + 1] is provably wrong.
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
}
relax.func @wrong_dim(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n + 1], f32> {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: dim 0 of output #0 of @exp is n + 1, but the kernel expects n
  %y = relax.call_tir @exp(%x) : !relax.tensor<[n + 1], f32>
  relax.return %y : !relax.tensor<[n + 1], f32>
}

// -----

// A constant dim of a second output.
tir.func @two(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>, %Z: !tir.buffer<[4], f32>) {
}
relax.func @wrong_const_dim(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: dim 0 of output #1 of @two is 5, but the kernel expects 4
  %y, %z = relax.call_tir @two(%x) : (!relax.tensor<[n], f32>, !relax.tensor<[5], f32>)
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

// The kernel's sym(t) is bound by the call's sym [3].
tir.func @tile(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n * t], f32>) sym(t) {
}
relax.func @wrong_sym_dim(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: dim 0 of output #0 of @tile is n * 3 + 1, but the kernel expects n * 3
  %y = relax.call_tir @tile(%x) sym [3] : !relax.tensor<[n * 3 + 1], f32>
  relax.return %y : !relax.tensor<[n * 3 + 1], f32>
}

// -----

tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
}
relax.func @unknown_output_shape(%x: !relax.tensor<[n], f32>) -> !relax.tensor<ndim=1, f32> {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: the shape of output #0 must be known (the caller allocates it)
  %y = relax.call_tir @exp(%x) : !relax.tensor<ndim=1, f32>
  relax.return %y : !relax.tensor<ndim=1, f32>
}

// -----

tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
}
relax.func @output_not_tensor(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK:      {{.*}}call_tir-errors.mlir:[[# @LINE + 2]]:3: error: result 'outputs' at position 0 does not verify:
  // CHECK-NEXT: !relax.shape<[n]> should be of base attribute relax.tensor
  %y = relax.call_tir @exp(%x) : !relax.shape<[n]>
  relax.return %y : !relax.shape<[n]>
}

// -----

tir.func @tile(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n * t], f32>) sym(t) {
}
relax.func @missing_sym(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: @tile takes 1 symbolic arguments sym(t), the call passes 0
  %y = relax.call_tir @tile(%x) : !relax.tensor<[n * 2], f32>
  relax.return %y : !relax.tensor<[n * 2], f32>
}

// -----

tir.func @tile(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n * t], f32>) sym(t) {
}
relax.func @extra_sym(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: @tile takes 1 symbolic arguments sym(t), the call passes 2
  %y = relax.call_tir @tile(%x) sym [2, 3] : !relax.tensor<[n * 2], f32>
  relax.return %y : !relax.tensor<[n * 2], f32>
}

// -----

tir.func @axpy(%alpha: f32, %X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
}
relax.func @tensor_for_scalar(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: argument #0 of @axpy must be a prim value of type f32, got !relax.tensor<[n], f32>
  %y = relax.call_tir @axpy(%x, %x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

tir.func @axpy(%alpha: f32, %X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
}
relax.func @scalar_dtype(%a: !relax.prim<f64>, %x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: argument #0 of @axpy must be a prim value of type f32, got !relax.prim<f64>
  %y = relax.call_tir @axpy(%a, %x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

tir.func @scale(%len: index, %X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
}
relax.func @prim_for_buffer(%p: !relax.prim<i64>, %x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: argument #1 of @scale must be a tensor (for a buffer parameter), got !relax.prim<i64>
  %y = relax.call_tir @scale(%p, %p) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

// Substituting the call's sym [0] into the kernel's [n floordiv t].
tir.func @div(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n floordiv t], f32>) sym(t) {
}
relax.func @division_by_zero(%x: !relax.tensor<[n], f32>) -> !relax.object {
  // CHECK: {{.*}}call_tir-errors.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: dim 0 of output #0 of @div is n floordiv t in the kernel, which divides by zero with the call's symbolic arguments
  %y = relax.call_tir @div(%x) sym [0] : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
