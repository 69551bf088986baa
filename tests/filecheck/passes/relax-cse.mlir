// RUN: relax-opt %s --split-input-file -p relax-cse | filecheck %s

// Identical calls in one dataflow block are computed once; calls that differ
// in an operand or in the callee are not merged.
// CHECK-LABEL: relax.func @main
// CHECK:         %a = relax.call_tir @exp(%x)
// CHECK-NEXT:    %c = relax.call_tir @exp(%y)
// CHECK-NEXT:    %d = relax.call_tir @neg(%x)
// CHECK-NEXT:    %s = relax.add %a, %a
// CHECK-NEXT:    %t = relax.add %s, %c
// CHECK-NEXT:    %u = relax.add %t, %d
// CHECK-NEXT:    relax.output %u, %a
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
tir.func @neg(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "neg" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = arith.negf %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>, %y: !relax.tensor<[n], f32>) -> !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>> {
  %r, %r2 = relax.dataflow {
    %a = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    %b = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    %c = relax.call_tir @exp(%y) : !relax.tensor<[n], f32>
    %d = relax.call_tir @neg(%x) : !relax.tensor<[n], f32>
    %s = relax.add %a, %b : !relax.tensor<[n], f32>
    %t = relax.add %s, %c : !relax.tensor<[n], f32>
    %u = relax.add %t, %d : !relax.tensor<[n], f32>
    relax.output %u, %b : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  }
  %o = relax.tuple(%r, %r2)
  relax.return %o : !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>>
}

// -----

// Not merged: the same call in two dataflow blocks (split by a call_packed),
// two identical call_packed (side effects), two identical ops outside any
// dataflow block.
// CHECK-LABEL: relax.func @main
// CHECK:         relax.dataflow {
// CHECK-NEXT:      %a = relax.call_tir @exp(%x)
// CHECK-NEXT:      relax.output %a
// CHECK:         %p = relax.call_packed "ext.print"(%x)
// CHECK-NEXT:    %q = relax.call_packed "ext.print"(%x)
// CHECK-NEXT:    relax.dataflow {
// CHECK-NEXT:      %b = relax.call_tir @exp(%x)
// CHECK-NEXT:      relax.output %b
// CHECK:         %s1 = relax.shape_of %x
// CHECK-NEXT:    %s2 = relax.shape_of %x
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>, !relax.object, !relax.object, !relax.shape<[n]>, !relax.shape<[n]>> {
  %r1 = relax.dataflow {
    %a = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    relax.output %a : !relax.tensor<[n], f32>
  }
  %p = relax.call_packed "ext.print"(%x) : !relax.object
  %q = relax.call_packed "ext.print"(%x) : !relax.object
  %r2 = relax.dataflow {
    %b = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    relax.output %b : !relax.tensor<[n], f32>
  }
  %s1 = relax.shape_of %x
  %s2 = relax.shape_of %x
  %o = relax.tuple(%r1, %r2, %p, %q, %s1, %s2)
  relax.return %o : !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>, !relax.object, !relax.object, !relax.shape<[n]>, !relax.shape<[n]>>
}

// -----

// Same op and operand: merged only when the attributes agree too.
// CHECK-LABEL: relax.func @attrs
// CHECK:         %a = relax.sum %x {axis = [0 : i64]}
// CHECK-NEXT:    %b = relax.sum %x {axis = [1 : i64]}
// CHECK-NEXT:    %c = relax.sum %x {axis = [1 : i64], keepdims = true}
// CHECK-NEXT:    %t = relax.tuple(%a, %b, %c)
relax.func @attrs(%x: !relax.tensor<[n, 4], f32>) -> !relax.tuple<!relax.tensor<[4], f32>, !relax.tensor<[n], f32>, !relax.tensor<[n, 1], f32>> {
  %r = relax.dataflow {
    %a = relax.sum %x {axis = [0]} : !relax.tensor<[4], f32>
    %b = relax.sum %x {axis = [1]} : !relax.tensor<[n], f32>
    %c = relax.sum %x {axis = [1], keepdims = true} : !relax.tensor<[n, 1], f32>
    %d = relax.sum %x {axis = [1]} : !relax.tensor<[n], f32>
    %t = relax.tuple(%a, %d, %c)
    relax.output %t : !relax.tuple<!relax.tensor<[4], f32>, !relax.tensor<[n], f32>, !relax.tensor<[n, 1], f32>>
  }
  relax.return %r : !relax.tuple<!relax.tensor<[4], f32>, !relax.tensor<[n], f32>, !relax.tensor<[n, 1], f32>>
}
