// RUN: relax-opt %s --split-input-file --verify-diagnostics | filecheck %s

// A kernel may write only the outputs of a call: its inputs are the caller's
// values (numpy arguments may be read-only).

tir.func @writes_input(%X: !tir.buffer<[4], f32>, %Y: !tir.buffer<[4], f32>) {
  tir.for %i = 0 to 4 {
    %x = tir.load %X[%i] : f32
    tir.store %x, %Y[%i] : f32
    tir.store %x, %X[%i] : f32
  }
}
relax.func @main(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  // CHECK: {{.*}}call-tir-inputs.mlir:[[# @LINE + 1]]:3: error: relax.call_tir: @writes_input writes its parameter #0, which the call passes as input argument #0; a kernel may write only the outputs of the call
  %y = relax.call_tir @writes_input(%x) : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}

// -----

// The same kernel is fine when the written buffer is an output.
// CHECK-LABEL: relax.func @ok
tir.func @writes_both(%X: !tir.buffer<[4], f32>, %Y: !tir.buffer<[4], f32>) {
  tir.for %i = 0 to 4 {
    %c = arith.constant 1.0 : f32
    tir.store %c, %Y[%i] : f32
    tir.store %c, %X[%i] : f32
  }
}
relax.func @ok() -> !relax.tuple<!relax.tensor<[4], f32>, !relax.tensor<[4], f32>> {
  %a, %b = relax.call_tir @writes_both() : (!relax.tensor<[4], f32>, !relax.tensor<[4], f32>)
  %t = relax.tuple(%a, %b)
  relax.return %t : !relax.tuple<!relax.tensor<[4], f32>, !relax.tensor<[4], f32>>
}
