// RUN: relax-opt %s | filecheck %s
// RUN: relax-opt %s --print-op-generic | tee %t | relax-opt | filecheck %s
// RUN: filecheck %s --check-prefix=GENERIC --input-file %t

// relax.if on a prim bool and on a scalar bool tensor, with one, several and
// no results, each region ending with relax.yield.

// CHECK-LABEL: relax.func @branch(%c: !relax.prim<i1>, %ct: !relax.tensor<[], i1>, %x: !relax.tensor<[n], f32>) -> !relax.tensor<ndim=1, f32> {
// CHECK-NEXT:    %r = relax.if %c -> !relax.tensor<[n], f32> {
// CHECK-NEXT:      %y = relax.call_packed "f"(%x) : !relax.tensor<[n], f32>
// CHECK-NEXT:      relax.yield %y : !relax.tensor<[n], f32>
// CHECK-NEXT:    } else {
// CHECK-NEXT:      relax.yield %x : !relax.tensor<[n], f32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %r2, %r3 = relax.if %ct -> (!relax.tensor<ndim=1, f32>, !relax.object) {
// CHECK-NEXT:      relax.yield %r, %x : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
// CHECK-NEXT:    } else {
// CHECK-NEXT:      relax.yield %x, %c : !relax.tensor<[n], f32>, !relax.prim<i1>
// CHECK-NEXT:    }
// CHECK-NEXT:    relax.if %c {
// CHECK-NEXT:      %u = relax.call_packed "print"(%x) : !relax.object
// CHECK-NEXT:      relax.yield{{$}}
// CHECK-NEXT:    } else {
// CHECK-NEXT:      relax.yield{{$}}
// CHECK-NEXT:    }
// CHECK-NEXT:    relax.return %r2 : !relax.tensor<ndim=1, f32>
// GENERIC:       %r = "relax.if"(%c) ({
// GENERIC-NEXT:    %y = "relax.call_packed"(%x) <{func_name = "f"}> : (!relax.tensor<[n], f32>) -> !relax.tensor<[n], f32>
// GENERIC-NEXT:    "relax.yield"(%y) : (!relax.tensor<[n], f32>) -> ()
// GENERIC-NEXT:  }, {
// GENERIC-NEXT:    "relax.yield"(%x) : (!relax.tensor<[n], f32>) -> ()
// GENERIC-NEXT:  }) : (!relax.prim<i1>) -> !relax.tensor<[n], f32>
relax.func @branch(%c: !relax.prim<bool>, %ct: !relax.tensor<[], bool>, %x: !relax.tensor<[n], f32>)
    -> !relax.tensor<ndim=1, f32> {
  %r = relax.if %c -> !relax.tensor<[n], f32> {
    %y = relax.call_packed "f"(%x) : !relax.tensor<[n], f32>
    relax.yield %y : !relax.tensor<[n], f32>
  } else {
    relax.yield %x : !relax.tensor<[n], f32>
  }
  %r2, %r3 = relax.if %ct -> (!relax.tensor<ndim=1, f32>, !relax.object) {
    relax.yield %r, %x : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  } else {
    relax.yield %x, %c : !relax.tensor<[n], f32>, !relax.prim<i1>
  }
  relax.if %c {
    %u = relax.call_packed "print"(%x) : !relax.object
    relax.yield
  } else {
    relax.yield
  }
  relax.return %r2 : !relax.tensor<ndim=1, f32>
}

// Nested ifs; a dataflow block inside a branch.
// CHECK-LABEL: relax.func @nested
// CHECK:         %r = relax.if %a -> !relax.tensor<[n], f32> {
// CHECK-NEXT:      %s = relax.if %b -> !relax.tensor<[n], f32> {
// CHECK-NEXT:        relax.yield %x : !relax.tensor<[n], f32>
// CHECK-NEXT:      } else {
// CHECK-NEXT:        %d = relax.dataflow {
// CHECK-NEXT:          %e = relax.call_dps_packed "neg"(%x) : !relax.tensor<[n], f32>
// CHECK-NEXT:          relax.output %e : !relax.tensor<[n], f32>
// CHECK-NEXT:        }
// CHECK-NEXT:        relax.yield %d : !relax.tensor<[n], f32>
// CHECK-NEXT:      }
// CHECK-NEXT:      relax.yield %s : !relax.tensor<[n], f32>
// CHECK-NEXT:    } else {
relax.func @nested(%a: !relax.prim<bool>, %b: !relax.prim<bool>, %x: !relax.tensor<[n], f32>)
    -> !relax.tensor<[n], f32> {
  %r = relax.if %a -> !relax.tensor<[n], f32> {
    %s = relax.if %b -> !relax.tensor<[n], f32> {
      relax.yield %x : !relax.tensor<[n], f32>
    } else {
      %d = relax.dataflow {
        %e = relax.call_dps_packed "neg"(%x) : !relax.tensor<[n], f32>
        relax.output %e : !relax.tensor<[n], f32>
      }
      relax.yield %d : !relax.tensor<[n], f32>
    }
    relax.yield %s : !relax.tensor<[n], f32>
  } else {
    relax.yield %x : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}
