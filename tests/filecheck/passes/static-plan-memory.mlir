// RUN: relax-opt %s --split-input-file -p call-tir-rewrite,static-plan-memory | filecheck %s

// A chain: %c takes the storage of %a, whose last use has passed; the
// returned %d is never planned (it gets memory of its own).
// CHECK-LABEL: relax.func @chain
// CHECK-SAME:    attributes {relax.planned_bytes = #tir.expr<n * 8>, relax.unplanned_bytes = #tir.expr<n * 12>}
// CHECK-NEXT:    %[[S0:.*]] = relax.alloc_storage [n] : f32
// CHECK-NEXT:    %a = relax.alloc_tensor %[[S0]] : !relax.tensor<[n], f32>
// CHECK-NEXT:    relax.call_kernel @exp(%x) outs(%a)
// CHECK-NEXT:    %[[S1:.*]] = relax.alloc_storage [n] : f32
// CHECK-NEXT:    %b = relax.alloc_tensor %[[S1]] : !relax.tensor<[n], f32>
// CHECK-NEXT:    relax.call_kernel @exp(%a) outs(%b)
// CHECK-NEXT:    %c = relax.alloc_tensor %[[S0]] : !relax.tensor<[n], f32>
// CHECK-NEXT:    relax.call_kernel @exp(%b) outs(%c)
// CHECK-NEXT:    %d = relax.alloc_tensor : !relax.tensor<[n], f32>
// CHECK-NEXT:    relax.call_kernel @exp(%c) outs(%d)
// CHECK-NEXT:    relax.return %d
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
relax.func @chain(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %a = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    %b = relax.call_tir @exp(%a) : !relax.tensor<[n], f32>
    %c = relax.call_tir @exp(%b) : !relax.tensor<[n], f32>
    %d = relax.call_tir @exp(%c) : !relax.tensor<[n], f32>
    relax.output %d : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}

// -----

// Sizes must be provably equal: [m] cannot take [n]'s storage, but [n * 2]
// can take the storage of an [n, 2] tensor.
// CHECK-LABEL: relax.func @symbolic
// CHECK-SAME:    relax.planned_bytes = #tir.expr<m * 4 + n * 8>
// CHECK-SAME:    relax.unplanned_bytes = #tir.expr<m * 4 + n * 16>
// CHECK-NEXT:    %[[S0:.*]] = relax.alloc_storage [n * 2] : f32
// CHECK-NEXT:    %a = relax.alloc_tensor %[[S0]] : !relax.tensor<[n, 2], f32>
// CHECK:         %b = relax.alloc_tensor : !relax.tensor<[n, 2], f32>
// CHECK:         %[[S1:.*]] = relax.alloc_storage [m] : f32
// CHECK-NEXT:    %c = relax.alloc_tensor %[[S1]] : !relax.tensor<[m], f32>
// CHECK:         %e = relax.alloc_tensor : !relax.tensor<[m], f32>
// CHECK:         %f = relax.alloc_tensor %[[S0]] : !relax.tensor<[n * 2], f32>
// CHECK-NEXT:    relax.call_kernel @tile(%v) outs(%f) sym [n * 2]
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
tir.func @exp2d(%X: !tir.buffer<[n, m], f32>, %Y: !tir.buffer<[n, m], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.block "exp" (%vi = spatial[n] %i, %vj = spatial[m] %j) {
        %x = tir.load %X[%vi, %vj] : f32
        %e = math.exp %x : f32
        tir.store %e, %Y[%vi, %vj] : f32
      }
    }
  }
}
// Y[i] = X[i mod n], for an output of m elements
tir.func @tile(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[m], f32>) sym(m) {
  tir.for %i = 0 to m {
    tir.block "tile" (%vi = spatial[m] %i) {
      %j = tir.expr n : index
      %k = arith.remui %vi, %j : index
      %x = tir.load %X[%k] : f32
      tir.store %x, %Y[%vi] : f32
    }
  }
}
relax.func @symbolic(%u: !relax.tensor<[n, 2], f32>, %v: !relax.tensor<[n], f32>, %y: !relax.tensor<[m], f32>) -> !relax.tuple<!relax.tensor<[n, 2], f32>, !relax.tensor<[m], f32>, !relax.tensor<[n * 2], f32>> {
  %r = relax.dataflow {
    %a = relax.call_tir @exp2d(%u) : !relax.tensor<[n, 2], f32>
    %b = relax.call_tir @exp2d(%a) : !relax.tensor<[n, 2], f32>
    %c = relax.call_tir @exp(%y) : !relax.tensor<[m], f32>
    %e = relax.call_tir @exp(%c) : !relax.tensor<[m], f32>
    %f = relax.call_tir @tile(%v) sym [n * 2] : !relax.tensor<[n * 2], f32>
    %g = relax.call_tir @exp(%f) : !relax.tensor<[n * 2], f32>
    %t = relax.tuple(%b, %e, %g)
    relax.output %t : !relax.tuple<!relax.tensor<[n, 2], f32>, !relax.tensor<[m], f32>, !relax.tensor<[n * 2], f32>>
  }
  relax.return %r : !relax.tuple<!relax.tensor<[n, 2], f32>, !relax.tensor<[m], f32>, !relax.tensor<[n * 2], f32>>
}

// -----

// Constant sizes: a smaller tensor fits in a larger free storage (%c in %a's),
// a larger one does not (%g gets new storage).
// CHECK-LABEL: relax.func @constant
// CHECK-SAME:    relax.planned_bytes = #tir.expr<96>
// CHECK-SAME:    relax.unplanned_bytes = #tir.expr<112>
// CHECK-NEXT:    %[[S0:.*]] = relax.alloc_storage [8] : f32
// CHECK-NEXT:    %a = relax.alloc_tensor %[[S0]] : !relax.tensor<[8], f32>
// CHECK:         %c = relax.alloc_tensor %[[S0]] : !relax.tensor<[4], f32>
// CHECK:         %[[S1:.*]] = relax.alloc_storage [16] : f32
// CHECK-NEXT:    %g = relax.alloc_tensor %[[S1]] : !relax.tensor<[16], f32>
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
relax.func @constant(%x8: !relax.tensor<[8], f32>, %x4: !relax.tensor<[4], f32>, %x16: !relax.tensor<[16], f32>) -> !relax.tuple<!relax.tensor<[8], f32>, !relax.tensor<[4], f32>, !relax.tensor<[16], f32>> {
  %r = relax.dataflow {
    %a = relax.call_tir @exp(%x8) : !relax.tensor<[8], f32>
    %b = relax.call_tir @exp(%a) : !relax.tensor<[8], f32>
    %c = relax.call_tir @exp(%x4) : !relax.tensor<[4], f32>
    %d = relax.call_tir @exp(%c) : !relax.tensor<[4], f32>
    %g = relax.call_tir @exp(%x16) : !relax.tensor<[16], f32>
    %h = relax.call_tir @exp(%g) : !relax.tensor<[16], f32>
    %t = relax.tuple(%b, %d, %h)
    relax.output %t : !relax.tuple<!relax.tensor<[8], f32>, !relax.tensor<[4], f32>, !relax.tensor<[16], f32>>
  }
  relax.return %r : !relax.tuple<!relax.tensor<[8], f32>, !relax.tensor<[4], f32>, !relax.tensor<[16], f32>>
}

// -----

// No reuse: %a is still live when %b is allocated (both feed the add); a
// different dtype never shares (%w: f64, while the f32 storages are free); a tensor passed to call_packed is not planned.
// CHECK-LABEL: relax.func @no_reuse
// CHECK-SAME:    relax.planned_bytes = #tir.expr<n * 16>
// CHECK-SAME:    relax.unplanned_bytes = #tir.expr<n * 16>
// CHECK-NEXT:    %[[S0:.*]] = relax.alloc_storage [n] : f32
// CHECK-NEXT:    %a = relax.alloc_tensor %[[S0]]
// CHECK:         %[[S1:.*]] = relax.alloc_storage [n] : f32
// CHECK-NEXT:    %b = relax.alloc_tensor %[[S1]]
// CHECK:         %[[S2:.*]] = relax.alloc_storage [n] : f64
// CHECK-NEXT:    %w = relax.alloc_tensor %[[S2]] : !relax.tensor<[n], f64>
// CHECK:         %p = relax.alloc_tensor : !relax.tensor<[n], f32>
// CHECK-NEXT:    relax.call_kernel @exp(%c) outs(%p)
// CHECK-NEXT:    relax.call_packed "ext.print"(%p)
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
tir.func @exp64(%X: !tir.buffer<[n], f64>, %Y: !tir.buffer<[n], f64>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f64
      %e = math.exp %x : f64
      tir.store %e, %Y[%vi] : f64
    }
  }
}
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
relax.func @no_reuse(%x: !relax.tensor<[n], f32>, %y: !relax.tensor<[n], f64>) -> !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f64>, !relax.tensor<[n], f32>> {
  %s, %z = relax.dataflow {
    %a = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    %b = relax.call_tir @exp(%a) : !relax.tensor<[n], f32>
    %c = relax.call_tir @add(%a, %b) : !relax.tensor<[n], f32>
    %w = relax.call_tir @exp64(%y) : !relax.tensor<[n], f64>
    %z0 = relax.call_tir @exp64(%w) : !relax.tensor<[n], f64>
    relax.output %c, %z0 : !relax.tensor<[n], f32>, !relax.tensor<[n], f64>
  }
  %p = relax.call_tir @exp(%s) : !relax.tensor<[n], f32>
  %q = relax.call_packed "ext.print"(%p) : !relax.object
  %e = relax.call_tir @exp(%p) : !relax.tensor<[n], f32>
  %t = relax.tuple(%s, %z, %e)
  relax.return %t : !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f64>, !relax.tensor<[n], f32>>
}
