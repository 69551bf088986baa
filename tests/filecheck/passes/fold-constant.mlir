// RUN: relax-opt %s --split-input-file -p fold-constant | filecheck %s
// RUN: relax-opt %s --split-input-file -p 'fold-constant{max_bytes=16}' | filecheck %s --check-prefix=LIMIT16
// RUN: relax-opt %s --split-input-file -p 'fold-constant{max_bytes=15}' | filecheck %s --check-prefix=LIMIT15

// A chain on constants folds from the front: d = c + c, then e = d + c;
// the call with a non-constant argument (%x) stays, reading the folded e.
// CHECK-LABEL: relax.func @chain
// CHECK:         %c = relax.constant dense<[0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<4xf32>
// CHECK-NEXT:    %d = relax.constant dense<[0.000000e+00, 2.000000e+00, 4.000000e+00, 6.000000e+00]> : tensor<4xf32>
// CHECK-NEXT:    %e = relax.constant dense<[0.000000e+00, 3.000000e+00, 6.000000e+00, 9.000000e+00]> : tensor<4xf32>
// CHECK-NEXT:    %f = relax.call_tir @add(%x, %e) : !relax.tensor<[4], f32>
// CHECK-NEXT:    relax.output %f
// A 4 x f32 result is 16 bytes: folded with max_bytes=16, not with 15.
// LIMIT16-LABEL: relax.func @chain
// LIMIT16-NOT:     relax.call_tir @add(%c
// LIMIT16-NOT:     relax.call_tir @add(%d
// LIMIT16:         relax.call_tir @add(%x, %e)
// LIMIT15-LABEL: relax.func @chain
// LIMIT15:         %d = relax.call_tir @add(%c, %c)
// LIMIT15-NEXT:    %e = relax.call_tir @add(%d, %c)
tir.func @add(%X: !tir.buffer<[n], f32>, %Z: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "add" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %z = tir.load %Z[%vi] : f32
      %s = arith.addf %x, %z : f32
      tir.store %s, %Y[%vi] : f32
    }
  }
}
relax.func @chain(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  %out = relax.dataflow {
    %c = relax.constant dense<[0.0, 1.0, 2.0, 3.0]> : tensor<4xf32>
    %d = relax.call_tir @add(%c, %c) : !relax.tensor<[4], f32>
    %e = relax.call_tir @add(%d, %c) : !relax.tensor<[4], f32>
    %f = relax.call_tir @add(%x, %e) : !relax.tensor<[4], f32>
    relax.output %f : !relax.tensor<[4], f32>
  }
  relax.return %out : !relax.tensor<[4], f32>
}

// -----

// High-level ops fold after legalize-ops only; a kernel with two outputs
// folds into two constants; a call whose output shape is symbolic stays.
// CHECK-LABEL: relax.func @multi
// CHECK:         %lo = relax.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %hi = relax.constant dense<[3.000000e+00, 4.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %r = relax.relu %lo
// CHECK:         relax.call_tir @minmax(%x, %x) : (!relax.tensor<[n], f32>, !relax.tensor<[n], f32>)
tir.func @minmax(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>,
                 %Lo: !tir.buffer<[n], f32>, %Hi: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "minmax" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %y = tir.load %Y[%vi] : f32
      %lo = arith.minimumf %x, %y : f32
      %hi = arith.maximumf %x, %y : f32
      tir.store %lo, %Lo[%vi] : f32
      tir.store %hi, %Hi[%vi] : f32
    }
  }
}
relax.func @multi(%x: !relax.tensor<[n], f32>) -> !relax.tuple<!relax.tensor<[2], f32>, !relax.tensor<[2], f32>, !relax.tensor<[n], f32>> {
  %a = relax.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %b = relax.constant dense<[3.0, 2.0]> : tensor<2xf32>
  %lo, %hi = relax.call_tir @minmax(%a, %b) : (!relax.tensor<[2], f32>, !relax.tensor<[2], f32>)
  %r = relax.relu %lo : !relax.tensor<[2], f32>
  %s, %t = relax.call_tir @minmax(%x, %x) : (!relax.tensor<[n], f32>, !relax.tensor<[n], f32>)
  %o = relax.tuple(%r, %hi, %s)
  relax.return %o : !relax.tuple<!relax.tensor<[2], f32>, !relax.tensor<[2], f32>, !relax.tensor<[n], f32>>
}
