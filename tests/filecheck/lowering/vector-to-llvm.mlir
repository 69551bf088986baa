// RUN: relax-opt %s -p convert-std-to-llvm | filecheck %s

func.func @kernel(%a: memref<?xf32>, %b: memref<?x16xf32>, %c: memref<16xf32>, %i: index) -> f32 {
  %c0 = arith.constant 0 : index
  %x = memref.load %a[%i] : memref<?xf32>
  %xs = vector.broadcast %x : f32 to vector<16xf32>
  %bv = vector.load %b[%i, %c0] : memref<?x16xf32>, vector<16xf32>
  %acc = vector.load %c[%c0] : memref<16xf32>, vector<16xf32>
  %r = vector.fma %xs, %bv, %acc : vector<16xf32>
  vector.store %r, %c[%c0] : memref<16xf32>, vector<16xf32>
  %s = vector.reduction <add>, %r : vector<16xf32> into f32
  %e = vector.extract %r[5] : f32 from vector<16xf32>
  %t = arith.addf %s, %e : f32
  func.return %t : f32
}

// CHECK-LABEL: llvm.func @kernel(
// CHECK:         %x = llvm.load %{{.*}} : !llvm.ptr -> f32
// CHECK-NEXT:    %[[U:.*]] = llvm.mlir.undef : vector<16xf32>
// CHECK-NEXT:    %[[Z:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT:    %[[L0:.*]] = llvm.insertelement %x, %[[U]][%[[Z]] : i32] : vector<16xf32>
// CHECK-NEXT:    %[[XS:.*]] = llvm.shufflevector %[[L0]], %[[L0]] [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] : vector<16xf32>
// Vector loads and stores are aligned to the element only.
// CHECK:         %bv = llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> vector<16xf32>
// CHECK:         %acc = llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> vector<16xf32>
// CHECK-NEXT:    %r = llvm.intr.fma(%[[XS]], %bv, %acc) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK:         llvm.store %r, %{{.*}} {alignment = 4 : i64} : vector<16xf32>, !llvm.ptr
// CHECK-NEXT:    %[[NZ:.*]] = llvm.mlir.constant(-0.000000e+00 : f32) : f32
// CHECK-NEXT:    %s = llvm.call_intrinsic "llvm.vector.reduce.fadd.v16f32"(%[[NZ]], %r) : (f32, vector<16xf32>) -> f32
// CHECK-NEXT:    %[[ONE:.*]] = llvm.shufflevector %r, %r [5] : vector<16xf32>
// CHECK-NEXT:    %e = llvm.bitcast %[[ONE]] : vector<1xf32> to f32
