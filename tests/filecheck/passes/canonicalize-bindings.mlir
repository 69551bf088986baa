// RUN: relax-opt %s --split-input-file -p canonicalize-bindings | filecheck %s

// A match_cast to the type its value already has is forwarded; one that binds
// a new variable (m) is kept. get_item of a tuple built here is the field;
// shape_of a tensor of known shape is a relax.shape, of unknown shape is kept.
// Ops left without uses stay (relax-dce removes them).
// CHECK-LABEL: relax.func @forward
// CHECK:         %same = relax.match_cast %x : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    %new = relax.match_cast %w : !relax.tensor<[4, m], f32>
// CHECK-NEXT:    %t = relax.tuple(%x, %new)
// CHECK-NOT:     relax.get_item
// CHECK:         %s = relax.shape [n, 4]
// CHECK-NEXT:    %u = relax.shape_of %w
// CHECK-NEXT:    %r = relax.tuple(%x, %new, %s, %u)
// CHECK-NEXT:    relax.return %r
relax.func @forward(%x: !relax.tensor<[n, 4], f32>, %w: !relax.tensor<ndim=2, f32>) -> !relax.tuple<!relax.tensor<[n, 4], f32>, !relax.tensor<ndim=2, f32>, !relax.shape<[n, 4]>, !relax.shape<ndim=2>> {
  %same = relax.match_cast %x : !relax.tensor<[n, 4], f32>
  %new = relax.match_cast %w : !relax.tensor<[4, m], f32>
  %t = relax.tuple(%same, %new)
  %a = relax.get_item %t[0]
  %b = relax.get_item %t[1]
  %s = relax.shape_of %a
  %u = relax.shape_of %w
  %r = relax.tuple(%a, %b, %s, %u)
  relax.return %r : !relax.tuple<!relax.tensor<[n, 4], f32>, !relax.tensor<[4, m], f32>, !relax.shape<[n, 4]>, !relax.shape<ndim=2>>
}

// -----

// A dataflow output defined outside the block (an alias of %x) is forwarded;
// the block itself is left to relax-dce.
// CHECK-LABEL: relax.func @alias
// CHECK:         %same, %y = relax.dataflow {
// CHECK:           relax.output %x, %e
// CHECK:         %t = relax.tuple(%x, %y)
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
relax.func @alias(%x: !relax.tensor<[n], f32>) -> !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>> {
  %same, %y = relax.dataflow {
    %e = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    relax.output %x, %e : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  }
  %t = relax.tuple(%same, %y)
  relax.return %t : !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>>
}

// -----

// get_item of a tuple that is a parameter (not built here) is kept, and so is
// a match_cast to a different (more precise) type.
// CHECK-LABEL: relax.func @keep
// CHECK:         %a = relax.get_item %t[0]
// CHECK-NEXT:    %b = relax.match_cast %a : !relax.tensor<[4], f32>
// CHECK-NEXT:    relax.return %b
relax.func @keep(%t: !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>>) -> !relax.tensor<[4], f32> {
  %a = relax.get_item %t[0]
  %b = relax.match_cast %a : !relax.tensor<[4], f32>
  relax.return %b : !relax.tensor<[4], f32>
}

// -----

// An unused match_cast that defines a variable used later (m) must stay:
// erasing it would leave m undefined.
// CHECK-LABEL: relax.func @defines
// CHECK:         %unused = relax.match_cast %x : !relax.tensor<[m], f32>
// CHECK-NEXT:    %y = relax.call_dps_packed "ext.copy"(%x) : !relax.tensor<[m], f32>
relax.func @defines(%x: !relax.tensor<ndim=1, f32>) -> !relax.tensor<ndim=1, f32> {
  %unused = relax.match_cast %x : !relax.tensor<[m], f32>
  %y = relax.call_dps_packed "ext.copy"(%x) : !relax.tensor<[m], f32>
  relax.return %y : !relax.tensor<[m], f32>
}
