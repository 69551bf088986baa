// RUN: relax-opt %s -p convert-std-to-llvm | filecheck %s

// A public function with a memref argument: descriptor struct by value,
// index -> i64, row-major address computation with the static stride 4,
// and a C wrapper taking descriptor pointers.
func.func @load2d(%x: memref<?x4xf32>, %i: index) -> f32 {
  %c1 = arith.constant 1 : index
  %v = memref.load %x[%i, %c1] : memref<?x4xf32>
  func.return %v : f32
}

// CHECK-LABEL: llvm.func @load2d(%x: !llvm.struct<(!llvm.ptr, !llvm.ptr, i64, !llvm.array<2 x i64>, !llvm.array<2 x i64>)>, %i: i64) -> f32
// CHECK:         %c1 = llvm.mlir.constant(1) : i64
// CHECK:         %[[FOUR:.*]] = llvm.mlir.constant(4) : i64
// CHECK-NEXT:    %[[ROW:.*]] = llvm.mul %i, %[[FOUR]] : i64
// CHECK-NEXT:    %[[LIN:.*]] = llvm.add %[[ROW]], %c1 : i64
// CHECK-NEXT:    %[[BASE:.*]] = llvm.extractvalue %x[1]
// CHECK-NEXT:    %[[ADDR:.*]] = llvm.getelementptr %[[BASE]][%[[LIN]]] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK-NEXT:    %v = llvm.load %[[ADDR]] : !llvm.ptr -> f32
// CHECK-NEXT:    llvm.return %v : f32

// Private functions get internal linkage and no wrapper; several results are
// returned in a struct and unpacked at the call.
func.func private @pair(%a: i32) -> (i32, i32) {
  %b = arith.addi %a, %a : i32
  func.return %a, %b : i32, i32
}
func.func @use_pair(%arg: i32) -> i32 {
  %x, %y = func.call @pair(%arg) : (i32) -> (i32, i32)
  %z = arith.muli %x, %y : i32
  func.return %z : i32
}

// CHECK-LABEL: llvm.func internal @pair(%a: i32) -> !llvm.struct<(i32, i32)>
// CHECK:         %[[U:.*]] = llvm.mlir.undef : !llvm.struct<(i32, i32)>
// CHECK-NEXT:    %[[S0:.*]] = llvm.insertvalue %a, %[[U]][0] : !llvm.struct<(i32, i32)>
// CHECK-NEXT:    %[[S1:.*]] = llvm.insertvalue %b, %[[S0]][1] : !llvm.struct<(i32, i32)>
// CHECK-NEXT:    llvm.return %[[S1]] : !llvm.struct<(i32, i32)>
// CHECK-LABEL: llvm.func @use_pair(%arg: i32) -> i32
// CHECK-NEXT:    %[[C:.*]] = llvm.call @pair(%arg) : (i32) -> !llvm.struct<(i32, i32)>
// CHECK-NEXT:    %[[X:.*]] = llvm.extractvalue %[[C]][0] : !llvm.struct<(i32, i32)>
// CHECK-NEXT:    %[[Y:.*]] = llvm.extractvalue %[[C]][1] : !llvm.struct<(i32, i32)>
// CHECK-NEXT:    %z = llvm.mul %[[X]], %[[Y]] : i32

// CHECK:       llvm.func @_mlir_ciface_load2d(%{{.*}}: !llvm.ptr, %[[D:.*]]: !llvm.ptr, %[[I:.*]]: i64)
// CHECK-SAME:    attributes {ciface_type = (memref<?x4xf32>, index) -> f32}
// CHECK-NEXT:    %[[DESC:.*]] = llvm.load %[[D]] : !llvm.ptr -> !llvm.struct<(!llvm.ptr, !llvm.ptr, i64, !llvm.array<2 x i64>, !llvm.array<2 x i64>)>
// CHECK-NEXT:    %[[R:.*]] = llvm.call @load2d(%[[DESC]], %[[I]])
// CHECK-NEXT:    llvm.store %[[R]], %{{.*}} : f32, !llvm.ptr
// CHECK-NEXT:    llvm.return
// CHECK-NOT:   @_mlir_ciface_pair
