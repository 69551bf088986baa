// RUN: relax-opt %s | filecheck %s
// RUN: relax-opt %s --print-op-generic | tee %t | relax-opt | filecheck %s
// RUN: filecheck %s --check-prefix=GENERIC --input-file %t

// relax.call_tir, relax.call_dps_packed and relax.call_packed.

tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
}
// Two outputs.
tir.func @split(%X: !tir.buffer<[n * 2], f32>, %A: !tir.buffer<[n], f32>, %B: !tir.buffer<[n], f32>) sym(n) {
}
// Scalar parameters of dtype f32 and index.
tir.func @axpy(%alpha: f32, %len: index, %X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
}
// A symbolic variable that is not the dim of any buffer.
tir.func @tile(%X: !tir.buffer<[n], f16>, %Y: !tir.buffer<[n * t], f16>) sym(t) {
}

// CHECK-LABEL: relax.func @call_tir_one(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
// CHECK-NEXT:    %y = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
// CHECK-NEXT:    relax.return %y
// GENERIC-LABEL: "relax.func"() <{sym_name = "call_tir_one"
// GENERIC:         %y = "relax.call_tir"(%x) <{callee = @exp, sym_args = []}> : (!relax.tensor<[n], f32>) -> !relax.tensor<[n], f32>
relax.func @call_tir_one(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// `m` is defined by the shape parameter.
// CHECK-LABEL: relax.func @call_tir_two(%s: !relax.shape<[m]>, %x: !relax.tensor<[m * 2], f32>) -> !relax.tensor<[m], f32> {
// CHECK-NEXT:    %a, %b = relax.call_tir @split(%x) sym [m] : (!relax.tensor<[m], f32>, !relax.tensor<[m], f32>)
// CHECK-NEXT:    relax.return %b
// GENERIC-LABEL: "relax.func"() <{sym_name = "call_tir_two"
// GENERIC:         %a, %b = "relax.call_tir"(%x) <{callee = @split, sym_args = [#tir.expr<m>]}> : (!relax.tensor<[m * 2], f32>) -> (!relax.tensor<[m], f32>, !relax.tensor<[m], f32>)
relax.func @call_tir_two(%s: !relax.shape<[m]>, %x: !relax.tensor<[m * 2], f32>)
    -> !relax.tensor<[m], f32> {
  %a, %b = relax.call_tir @split(%x) sym [m] : (!relax.tensor<[m], f32>, !relax.tensor<[m], f32>)
  relax.return %b : !relax.tensor<[m], f32>
}

// Prim values passed to scalar parameters, inside a dataflow block.
// CHECK-LABEL: relax.func @call_tir_scalars(%x: !relax.tensor<[n], f32>, %alpha: !relax.prim<f32>) -> !relax.tensor<[n], f32> {
// CHECK-NEXT:    %out = relax.dataflow {
// CHECK-NEXT:      %len = relax.prim_value n : i64
// CHECK-NEXT:      %y = relax.call_tir @axpy(%alpha, %len, %x) : !relax.tensor<[n], f32>
// CHECK-NEXT:      relax.output %y : !relax.tensor<[n], f32>
relax.func @call_tir_scalars(%x: !relax.tensor<[n], f32>, %alpha: !relax.prim<f32>)
    -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %len = relax.prim_value n : i64
    %y = relax.call_tir @axpy(%alpha, %len, %x) : !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}

// A composite sym argument printed in canonical form; an argument of known
// rank only.
// CHECK-LABEL: relax.func @call_tir_sym(%x: !relax.tensor<[n], f16>, %z: !relax.tensor<ndim=1, f16>) -> !relax.tensor<[n * 4 + 4], f16> {
// CHECK-NEXT:    %y = relax.call_tir @tile(%x) sym [4] : !relax.tensor<[n * 4], f16>
// CHECK-NEXT:    %w = relax.call_tir @tile(%z) sym [n + 1] : !relax.tensor<[n * 4 + 4], f16>
relax.func @call_tir_sym(%x: !relax.tensor<[n], f16>, %z: !relax.tensor<ndim=1, f16>)
    -> !relax.tensor<[n * 4 + 4], f16> {
  %y = relax.call_tir @tile(%x) sym [4] : !relax.tensor<[4 * n], f16>
  %w = relax.call_tir @tile(%z) sym [1 + n] : !relax.tensor<[(n + 1) * 4], f16>
  relax.return %w : !relax.tensor<[n * 4 + 4], f16>
}

// CHECK-LABEL: relax.func @packed(%x: !relax.tensor<[n], f32>) -> !relax.object {
// CHECK-NEXT:    %y = relax.call_dps_packed "my_exp"(%x) : !relax.tensor<[n], f32>
// CHECK-NEXT:    %a, %b = relax.call_dps_packed "my_split"(%x, %y) : (!relax.tensor<[n], f32>, !relax.tensor<[2, n], i64>)
// CHECK-NEXT:    %r = relax.call_packed "print"(%a, %b) : !relax.object
// CHECK-NEXT:    %s = relax.call_packed "nothing"() : !relax.tuple<>
// CHECK-NEXT:    relax.return %r : !relax.object
// GENERIC-LABEL: "relax.func"() <{sym_name = "packed"
// GENERIC:         %y = "relax.call_dps_packed"(%x) <{func_name = "my_exp"}> : (!relax.tensor<[n], f32>) -> !relax.tensor<[n], f32>
// GENERIC:         %r = "relax.call_packed"(%a, %b) <{func_name = "print"}> : (!relax.tensor<[n], f32>, !relax.tensor<[2, n], i64>) -> !relax.object
relax.func @packed(%x: !relax.tensor<[n], f32>) -> !relax.object {
  %y = relax.call_dps_packed "my_exp"(%x) : !relax.tensor<[n], f32>
  %a, %b = relax.call_dps_packed "my_split"(%x, %y) : (!relax.tensor<[n], f32>, !relax.tensor<[2, n], i64>)
  %r = relax.call_packed "print"(%a, %b) : !relax.object
  %s = relax.call_packed "nothing"() : !relax.tuple<>
  relax.return %r : !relax.object
}

// call_dps_packed is pure, so it may appear in a dataflow block.
// CHECK-LABEL: relax.func @packed_in_dataflow
// CHECK:         %out = relax.dataflow {
// CHECK-NEXT:      %y = relax.call_dps_packed "my_exp"(%x) : !relax.tensor<[n], f32>
relax.func @packed_in_dataflow(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %y = relax.call_dps_packed "my_exp"(%x) : !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}
