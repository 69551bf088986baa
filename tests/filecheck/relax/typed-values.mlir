// RUN: relax-opt %s --split-input-file | filecheck %s
// RUN: relax-opt %s --split-input-file | relax-opt --split-input-file | filecheck %s
// RUN: relax-opt %s --split-input-file --print-op-generic | relax-opt --split-input-file | filecheck %s

// relax.return, relax.output and relax.yield share one declarative assembly
// format, `custom<DefinedTypedValues>($values, type($values)) attr-dict`:
// the values and their types, or nothing, then any attributes.

// CHECK-LABEL: relax.func @attrs
// CHECK:         relax.output %y : !relax.tensor<[n], f32> {note = "kept"}
// CHECK:         relax.return %r : !relax.tensor<[n], f32> {note = "too"}
relax.func @attrs(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %r = relax.dataflow {
    %y = relax.exp %x : !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<[n], f32> {note = "kept"}
  }
  relax.return %r : !relax.tensor<[n], f32> {note = "too"}
}

// -----

// CHECK-LABEL: relax.func @two
// CHECK:         relax.output %e, %f : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>{{$}}
relax.func @two(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %a, %b = relax.dataflow {
    %e = relax.exp %x : !relax.tensor<[n], f32>
    %f = relax.exp %e : !relax.tensor<[n], f32>
    relax.output %e, %f : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  }
  relax.return %b : !relax.tensor<[n], f32>
}
