// RUN: relax-opt %s -p convert-tir-to-std --split-input-file --verify-diagnostics | filecheck %s --check-prefix=TIR
// RUN: relax-opt %s -p convert-relax-to-std --split-input-file --verify-diagnostics | filecheck %s --check-prefix=HOST

// The lowerings dispatch through explicit op tables: an op that they do not
// know is an error at that op, never copied through or skipped.

// A foreign op in a kernel body (only tir, arith and math are lowered there).
tir.func @foreign(%X: !tir.buffer<[4], f32>) {
  %i = arith.constant 1 : index
  %c = arith.constant 1.0 : f32
  // TIR: {{.*}}unknown-ops.mlir:[[# @LINE + 1]]:3: error: 'test.op' cannot appear in a tir kernel body (convert-tir-to-std lowers tir, arith and math ops)
  %t = "test.op"(%c) : (f32) -> f32
  tir.store %t, %X[%i] : f32
}

// -----

// A high-level op left in host code (legalize-ops was not run).
relax.func @main(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // HOST: {{.*}}unknown-ops.mlir:[[# @LINE + 1]]:3: error: relax.exp in host code is not supported by the native runtime yet
  %y = relax.exp %x : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

// A foreign op in host code.
relax.func @main(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // HOST: {{.*}}unknown-ops.mlir:[[# @LINE + 1]]:3: error: test.op in host code is not supported by the native runtime yet
  %y = "test.op"(%x) : (!relax.tensor<[4], f32>) -> !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}
