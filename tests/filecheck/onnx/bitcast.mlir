// RUN: relax-opt %s | relax-opt | filecheck %s --check-prefix=ROUND
// RUN: relax-opt %s -p legalize-ops | filecheck %s

// relax.bitcast (relax_dialect/ops_bits.py): the text round-trips, the type
// keeps the shape, and the kernel reads the bits with arith.bitcast (bools
// are bytes: a comparison, not a bitcast).

// ROUND-LABEL: relax.func @bits
// ROUND:         %a = relax.bitcast %x {dtype = "i32"} : !relax.tensor<[n, 4], i32>
// ROUND:         %b = relax.bitcast %a {dtype = "f32"} : !relax.tensor<[n, 4], f32>
// ROUND:         %c = relax.bitcast %p {dtype = "ui8"} : !relax.tensor<[3], ui8>

// CHECK-LABEL: relax.func @bits
// CHECK:         %a = relax.call_tir @bitcast(%x) : !relax.tensor<[n, 4], i32>
// CHECK:         %b = relax.call_tir @bitcast1(%a) : !relax.tensor<[n, 4], f32>
// CHECK:         %c = relax.call_tir @bitcast2(%p) : !relax.tensor<[3], ui8>
// CHECK:       tir.func @bitcast(
// CHECK:         arith.bitcast %{{.*}} : f32 to i32
// CHECK:       tir.func @bitcast1(
// CHECK:         arith.bitcast %{{.*}} : i32 to f32
// CHECK:       tir.func @bitcast2(
// CHECK-NOT:     arith.bitcast
// CHECK:         arith.extui

relax.func @bits(%x: !relax.tensor<[n, 4], f32>, %p: !relax.tensor<[3], i1>) -> !relax.tensor<[3], ui8> {
  %0 = relax.dataflow {
    %a = relax.bitcast %x {dtype = "i32"} : !relax.tensor<[n, 4], i32>
    %b = relax.bitcast %a {dtype = "f32"} : !relax.tensor<[n, 4], f32>
    %c = relax.bitcast %p {dtype = "ui8"} : !relax.tensor<[3], ui8>
    relax.output %c : !relax.tensor<[3], ui8>
  }
  relax.return %0 : !relax.tensor<[3], ui8>
}
