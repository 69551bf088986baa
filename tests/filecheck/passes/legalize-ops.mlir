// RUN: relax-opt %s -p legalize-ops | filecheck %s
// RUN: relax-opt %s -p 'legalize-ops{skip="relax.relu"}' | filecheck %s --check-prefix=SKIP

// Two adds with the same operand types share one kernel; relu gets its own.
// CHECK-LABEL: relax.func @main
// CHECK:         %[[A:.*]] = relax.call_tir @add(%x, %b) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    %[[R:.*]] = relax.call_tir @relu(%[[A]]) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    %{{.*}} = relax.call_tir @add(%[[R]], %b) : !relax.tensor<[n, 4], f32>
// A different operand type gets a second kernel.
// CHECK:         relax.call_tir @add1(%v, %v) : !relax.tensor<[8], f32>
// CHECK-NOT:     relax.add
// CHECK:       tir.func @add(%x0: !tir.buffer<[n, 4], f32>, %x1: !tir.buffer<[4], f32>, %T_add: !tir.buffer<[n, 4], f32>)
// CHECK:         tir.block "T_add" (%vi0 = spatial[n] %i0, %vi1 = spatial[4] %i1)
// CHECK:           tir.load %x1[%vi1] : f32
// CHECK:           arith.addf
// CHECK:       tir.func @relu(
// CHECK:         arith.maximumf
// CHECK:       tir.func @add1(%x0: !tir.buffer<[8], f32>, %x1: !tir.buffer<[8], f32>, %T_add: !tir.buffer<[8], f32>)
// CHECK-NOT:   tir.func

// SKIP-LABEL: relax.func @main
// SKIP:         relax.call_tir @add
// SKIP-NEXT:    relax.relu %{{.*}} : !relax.tensor<[n, 4], f32>
// SKIP-NOT:     tir.func @relu

relax.func @main(%x: !relax.tensor<[n, 4], f32>, %b: !relax.tensor<[4], f32>, %v: !relax.tensor<[8], f32>) -> !relax.tuple<!relax.tensor<[n, 4], f32>, !relax.tensor<[8], f32>> {
  %out, %w = relax.dataflow {
    %0 = relax.add %x, %b : !relax.tensor<[n, 4], f32>
    %1 = relax.relu %0 : !relax.tensor<[n, 4], f32>
    %2 = relax.add %1, %b : !relax.tensor<[n, 4], f32>
    %3 = relax.add %v, %v : !relax.tensor<[8], f32>
    relax.output %2, %3 : !relax.tensor<[n, 4], f32>, !relax.tensor<[8], f32>
  }
  %t = relax.tuple(%out, %w)
  relax.return %t : !relax.tuple<!relax.tensor<[n, 4], f32>, !relax.tensor<[8], f32>>
}
