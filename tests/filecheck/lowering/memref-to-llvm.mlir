// RUN: relax-opt %s -p convert-std-to-llvm | filecheck %s

func.func @alloc(%n: index) -> memref<?x8xf32> {
  %m = memref.alloc(%n) : memref<?x8xf32>
  func.return %m : memref<?x8xf32>
}

// aligned_alloc(64, n * 8 * 4 + 64 rounded down to a multiple of 64), then a
// row-major descriptor {ptr, ptr, 0, [n, 8], [8, 1]}.
// CHECK:       llvm.func @aligned_alloc(i64, i64) -> !llvm.ptr
// CHECK-NEXT:  llvm.func @free(!llvm.ptr)
// CHECK-LABEL: llvm.func @alloc(%n: i64)
// CHECK:         %[[EIGHT:.*]] = llvm.mlir.constant(8) : i64
// CHECK:         %[[ESIZE:.*]] = llvm.mlir.constant(4) : i64
// CHECK:         %[[P:.*]] = llvm.call @aligned_alloc(%{{.*}}, %{{.*}}) : (i64, i64) -> !llvm.ptr
// CHECK:         %[[D0:.*]] = llvm.mlir.undef : !llvm.struct<(!llvm.ptr, !llvm.ptr, i64, !llvm.array<2 x i64>, !llvm.array<2 x i64>)>
// CHECK-NEXT:    %[[D1:.*]] = llvm.insertvalue %[[P]], %[[D0]][0]
// CHECK-NEXT:    %[[D2:.*]] = llvm.insertvalue %[[P]], %[[D1]][1]
// CHECK-NEXT:    %[[D3:.*]] = llvm.insertvalue %{{.*}}, %[[D2]][2]
// CHECK-NEXT:    %[[D4:.*]] = llvm.insertvalue %n, %[[D3]][3, 0]
// CHECK-NEXT:    %[[D5:.*]] = llvm.insertvalue %[[EIGHT]], %[[D4]][3, 1]
// CHECK-NEXT:    %[[D6:.*]] = llvm.insertvalue %{{.*}}, %[[D5]][4, 0]
// CHECK-NEXT:    %[[D7:.*]] = llvm.insertvalue %{{.*}}, %[[D6]][4, 1]
// CHECK-NEXT:    llvm.return %[[D7]]

func.func @dim_and_free(%buf: memref<?x8xf32>) -> index {
  %c0 = arith.constant 0 : index
  %d = memref.dim %buf, %c0 : memref<?x8xf32>
  memref.dealloc %buf : memref<?x8xf32>
  func.return %d : index
}

// CHECK-LABEL: llvm.func @dim_and_free(
// CHECK:         %d = llvm.extractvalue %buf[3, 0]
// CHECK-NEXT:    %[[A:.*]] = llvm.extractvalue %buf[0]
// CHECK-NEXT:    llvm.call @free(%[[A]]) : (!llvm.ptr) -> ()

func.func @strided(%sv: memref<4x4xf32, strided<[?, 2], offset: ?>>, %i: index) -> f32 {
  %v = memref.load %sv[%i, %i] : memref<4x4xf32, strided<[?, 2], offset: ?>>
  func.return %v : f32
}

// Dynamic offset and stride come from the descriptor, static ones are constants.
// CHECK-LABEL: llvm.func @strided(
// CHECK-NEXT:    %[[OFF:.*]] = llvm.extractvalue %sv[2]
// CHECK-NEXT:    %[[S0:.*]] = llvm.extractvalue %sv[4, 0]
// CHECK-NEXT:    %[[T0:.*]] = llvm.mul %i, %[[S0]] : i64
// CHECK-NEXT:    %[[A0:.*]] = llvm.add %[[OFF]], %[[T0]] : i64
// CHECK-NEXT:    %[[S1:.*]] = llvm.mlir.constant(2) : i64
// CHECK-NEXT:    %[[T1:.*]] = llvm.mul %i, %[[S1]] : i64
// CHECK-NEXT:    %[[A1:.*]] = llvm.add %[[A0]], %[[T1]] : i64
// CHECK:         llvm.getelementptr %{{.*}}[%[[A1]]] : (!llvm.ptr, i64) -> !llvm.ptr, f32

