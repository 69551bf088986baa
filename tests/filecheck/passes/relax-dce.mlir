// RUN: relax-opt %s --split-input-file -p relax-dce | filecheck %s

// Unused bindings go, innermost first (%b uses %a, neither is used); an
// unused dataflow output is dropped from relax.output and from the results;
// kernels nobody calls any more are erased.
// CHECK-NOT:   tir.func @neg
// CHECK:       tir.func @exp
// CHECK-NOT:   tir.func @neg
// CHECK-LABEL: relax.func @main
// CHECK-NEXT:    %y = relax.dataflow {
// CHECK-NEXT:      %e = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
// CHECK-NEXT:      relax.output %e : !relax.tensor<[n], f32>
// CHECK-NEXT:    }
// CHECK-NEXT:    relax.return %y
// CHECK-NOT:   tir.func @neg
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
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y, %z = relax.dataflow {
    %e = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    %a = relax.call_tir @neg(%x) : !relax.tensor<[n], f32>
    %b = relax.call_tir @neg(%a) : !relax.tensor<[n], f32>
    %c = relax.call_tir @neg(%e) : !relax.tensor<[n], f32>
    relax.output %e, %c : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  }
  %s = relax.shape_of %x
  %t = relax.tuple(%y, %s)
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

// A dataflow block none of whose outputs is used disappears.
// CHECK-LABEL: relax.func @empty
// CHECK-NOT:     relax.dataflow
// CHECK:         relax.return %x
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
relax.func @empty(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.dataflow {
    %e = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    relax.output %e : !relax.tensor<[n], f32>
  }
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// What DCE must keep: an unused call_packed (it may have side effects), a
// match_cast that defines a variable used later, public functions even if
// nobody calls them. An unused private function goes.
// CHECK-LABEL: relax.func @main
// CHECK-NEXT:    %p = relax.call_packed "ext.print"(%x) : !relax.object
// CHECK-NEXT:    %m = relax.match_cast %x : !relax.tensor<[k], f32>
// CHECK-NEXT:    %y = relax.call_dps_packed "ext.copy"(%x) : !relax.tensor<[k], f32>
// CHECK-NEXT:    relax.return %y
// CHECK:       relax.func @public_helper
// CHECK-NOT:   relax.func private @private_helper
relax.func @main(%x: !relax.tensor<ndim=1, f32>) -> !relax.tensor<ndim=1, f32> {
  %p = relax.call_packed "ext.print"(%x) : !relax.object
  %m = relax.match_cast %x : !relax.tensor<[k], f32>
  %y = relax.call_dps_packed "ext.copy"(%x) : !relax.tensor<[k], f32>
  %unused = relax.call_dps_packed "ext.copy"(%x) : !relax.tensor<[k], f32>
  relax.return %y : !relax.tensor<[k], f32>
}
relax.func @public_helper(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  relax.return %x : !relax.tensor<[n], f32>
}
relax.func private @private_helper(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// A private function still called stays; so does its kernel.
// CHECK:       tir.func @exp
// CHECK-LABEL: relax.func @caller
// CHECK:         relax.call @callee(%x)
// CHECK:       relax.func private @callee
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
relax.func @caller(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.call @callee(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
relax.func private @callee(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.dataflow {
    %e = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    relax.output %e : !relax.tensor<[n], f32>
  }
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

// An unused relax.call of a function with a call_packed is kept (and so is
// the function); an unused call of a pure function goes.
// CHECK-LABEL: relax.func @main
// CHECK-NEXT:    %logged = relax.call @log(%x) : !relax.object
// CHECK-NEXT:    relax.return %x
// CHECK:       relax.func private @log
// CHECK-NOT:   relax.func private @pure
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %logged = relax.call @log(%x) : !relax.object
  %unused = relax.call @pure(%x) : !relax.tensor<[n], f32>
  relax.return %x : !relax.tensor<[n], f32>
}
relax.func private @log(%x: !relax.tensor<[n], f32>) -> !relax.object {
  %p = relax.call_packed "ext.print"(%x) : !relax.object
  relax.return %p : !relax.object
}
relax.func private @pure(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// A module of kernels only (no relax function) keeps them all.
// CHECK-LABEL: tir.func @lonely
tir.func @lonely(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "copy" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      tir.store %x, %Y[%vi] : f32
    }
  }
}
