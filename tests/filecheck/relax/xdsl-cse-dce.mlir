// RUN: relax-opt %s -p cse,dce | filecheck %s
// RUN: xdsl-opt %s -p cse,dce | filecheck %s

// xDSL's generic cse and dce apply to relax: high-level ops, call_tir and the
// value ops are Pure; a match_cast, relax.call, relax.if and relax.dataflow
// are as pure as what they do. call_packed (and a call of a function that
// contains one) has effects: never merged, never removed.

tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}

relax.func private @pure(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.exp %x : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

relax.func private @impure(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.call_packed "my.log"(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// CHECK-LABEL: relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
// CHECK-NEXT:    %a = relax.exp %x : !relax.tensor<[n], f32>
// CHECK-NEXT:    %s = relax.add %a, %a : !relax.tensor<[n], f32>
// CHECK-NEXT:    %t = relax.call_tir @exp(%s) : !relax.tensor<[n], f32>
// CHECK-NEXT:    %u = relax.add %t, %t : !relax.tensor<[n], f32>
// CHECK-NEXT:    %p = relax.call_packed "my.log"(%u) : !relax.tensor<[n], f32>
// CHECK-NEXT:    %q = relax.call_packed "my.log"(%u) : !relax.tensor<[n], f32>
// CHECK-NEXT:    %k = relax.match_cast %x : !relax.tensor<[m], f32>
// CHECK-NEXT:    %{{.*}} = relax.call @impure(%x) : !relax.tensor<[n], f32>
// CHECK-NEXT:    relax.return %u : !relax.tensor<[n], f32>
// CHECK-NEXT:  }
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %a = relax.exp %x : !relax.tensor<[n], f32>
  %b = relax.exp %x : !relax.tensor<[n], f32>
  %dead = relax.sqrt %x : !relax.tensor<[n], f32>
  %s = relax.add %a, %b : !relax.tensor<[n], f32>
  %t = relax.call_tir @exp(%s) : !relax.tensor<[n], f32>
  %t2 = relax.call_tir @exp(%s) : !relax.tensor<[n], f32>
  %u = relax.add %t, %t2 : !relax.tensor<[n], f32>
  %p = relax.call_packed "my.log"(%u) : !relax.tensor<[n], f32>
  %q = relax.call_packed "my.log"(%u) : !relax.tensor<[n], f32>
  // defines m: kept although unused (a later type could use m)
  %k = relax.match_cast %x : !relax.tensor<[m], f32>
  // defines nothing new: removed
  %same = relax.match_cast %x : !relax.tensor<[n], f32>
  %c1 = relax.call @pure(%x) : !relax.tensor<[n], f32>
  %c2 = relax.call @impure(%x) : !relax.tensor<[n], f32>
  %df = relax.dataflow {
    %e = relax.exp %x : !relax.tensor<[n], f32>
    relax.output %e : !relax.tensor<[n], f32>
  }
  relax.return %u : !relax.tensor<[n], f32>
}
