// RUN: relax-opt %s -p call-tir-rewrite | filecheck %s

// Dataflow blocks are flattened into the function; each call_tir becomes an
// explicit allocation per output and a relax.call_kernel writing into it
// (symbolic arguments kept). Other ops are left alone.
// CHECK-LABEL: relax.func @main
// CHECK-NOT:     relax.dataflow
// CHECK:         %e = relax.alloc_tensor : !relax.tensor<[n], f32>
// CHECK-NEXT:    relax.call_kernel @exp(%x) outs(%e)
// CHECK-NEXT:    %lo = relax.alloc_tensor : !relax.tensor<[n], f32>
// CHECK-NEXT:    %hi = relax.alloc_tensor : !relax.tensor<[n], f32>
// CHECK-NEXT:    relax.call_kernel @minmax(%e, %x) outs(%lo, %hi)
// CHECK-NEXT:    %p = relax.call_packed "ext.print"(%lo) : !relax.object
// CHECK-NEXT:    %r = relax.alloc_tensor : !relax.tensor<[n * 2], f32>
// CHECK-NEXT:    relax.call_kernel @tile(%hi) outs(%r) sym [n * 2]
// CHECK-NEXT:    %t = relax.tuple(%lo, %r)
// CHECK-NEXT:    relax.return %t
// CHECK-NOT:     relax.call_tir
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
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
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n * 2], f32>> {
  %a, %b = relax.dataflow {
    %e = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    %lo, %hi = relax.call_tir @minmax(%e, %x) : (!relax.tensor<[n], f32>, !relax.tensor<[n], f32>)
    relax.output %lo, %hi : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  }
  %p = relax.call_packed "ext.print"(%a) : !relax.object
  %r = relax.call_tir @tile(%b) sym [n * 2] : !relax.tensor<[n * 2], f32>
  %t = relax.tuple(%a, %r)
  relax.return %t : !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n * 2], f32>>
}
