// RUN: relax-opt %s -p legalize-ops,convert-relax-to-std | filecheck %s
// RUN: relax-opt %s -p legalize-ops,convert-relax-to-std,convert-std-to-llvm | filecheck %s --check-prefix=LLVM

// relax.call is a real call: each public function gets a private copy of
// every function it calls, `@root.callee`, that returns (status, results...).
// The caller binds the callee's variables from the arguments and checks what
// the argument types do not prove; a failed status is returned as is (the
// codes index the root's relax.errors, shared by its copies), after freeing
// what the caller owns.

// CHECK-LABEL: func.func @main(%a: memref<?xf32>, %b: memref<?xf32>, %err: memref<?xi64>, %out: memref<?xi64>) -> i32
// CHECK-SAME:    relax.errors = [{{.*}}"{{.*}}relax-calls.mlir:[[# @LINE + 23]]:3: relax.call @add: argument #1 has dims %s, expected [k]"
// [k] and [k] for [n] and [p]: p is checked against n
// CHECK:         %[[P:.*]] = memref.dim %b, %{{.*}} : memref<?xf32>
// CHECK:         %[[NE:.*]] = arith.cmpi ne, %[[P]], %{{.*}} : index
// CHECK:         cf.cond_br %[[NE]], ^[[BAD:.*]], ^[[OK:.*]]
// CHECK:       ^[[OK]]:
// CHECK:         %[[DEPTH:.*]] = arith.constant 1 : index
// CHECK:         %[[S1:.*]], %[[Y:.*]] = func.call @main.add(%a, %b, %[[DEPTH]], %err) : (memref<?xf32>, memref<?xf32>, index, memref<?xi64>) -> (i32, memref<?xf32>)
// CHECK:         %[[F1:.*]] = arith.cmpi ne, %[[S1]], %{{.*}} : i32
// CHECK:         cf.cond_br %[[F1]], ^[[FAIL1:.*]], ^[[NEXT:.*]]
// CHECK:       ^[[FAIL1]]:
// CHECK-NEXT:    func.return %[[S1]] : i32
// The second call: [n] for [m] binds m, nothing to check.
// CHECK:       ^[[NEXT]]:
// CHECK-NOT:     cmpi ne, %{{.*}} : index
// CHECK:         %[[S2:.*]], %[[Z:.*]] = func.call @main.double(%[[Y]], %{{.*}}, %err)
// CHECK:         cf.cond_br %{{.*}}, ^[[FAIL2:.*]], ^[[RET:.*]]
// CHECK:       ^[[FAIL2]]:
// CHECK-NEXT:    memref.dealloc %[[Y]] : memref<?xf32>
// CHECK-NEXT:    func.return %[[S2]] : i32
// CHECK:       ^[[RET]]:
// CHECK:         memref.dealloc %[[Y]] : memref<?xf32>
relax.func @main(%a: !relax.tensor<[n], f32>, %b: !relax.tensor<[p], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.call @add(%a, %b) : !relax.tensor<[n], f32>
  %z = relax.call @double(%y) : !relax.tensor<[n], f32>
  relax.return %z : !relax.tensor<[n], f32>
}

// The copies: parameters, then %depth and %err; a failed check returns poison.
// CHECK-LABEL: func.func private @main.add(%x: memref<?xf32>, %y: memref<?xf32>, %depth: index, %err: memref<?xi64>) -> (i32, memref<?xf32>)
// CHECK:         %[[POISON:.*]] = ub.poison : memref<?xf32>
// CHECK-NEXT:    func.return %{{.*}}, %[[POISON]] : i32, memref<?xf32>
// CHECK:         %[[R:.*]] = memref.alloc
// CHECK:         func.call @add{{.*}}(%x, %y, %[[R]])
// CHECK:         %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    func.return %[[ZERO]], %[[R]] : i32, memref<?xf32>
relax.func private @add(%x: !relax.tensor<[k], f32>, %y: !relax.tensor<[k], f32>) -> !relax.tensor<[k], f32> {
  %z = relax.add %x, %y : !relax.tensor<[k], f32>
  relax.return %z : !relax.tensor<[k], f32>
}
// CHECK-LABEL: func.func private @main.double(%v: memref<?xf32>, %depth: index, %err: memref<?xi64>) -> (i32, memref<?xf32>)
relax.func private @double(%v: !relax.tensor<[m], f32>) -> !relax.tensor<[m], f32> {
  %y = relax.add %v, %v : !relax.tensor<[m], f32>
  relax.return %y : !relax.tensor<[m], f32>
}

// LLVM-LABEL: llvm.func @main(
// LLVM:         llvm.call @main.add(
// LLVM-LABEL: llvm.func internal @main.add(
// LLVM:         llvm.mlir.undef : !llvm.struct<(!llvm.ptr, !llvm.ptr, i64, !llvm.array<1 x i64>, !llvm.array<1 x i64>)>
