// RUN: relax-opt %s -p 'legalize-ops,convert-relax-to-std,convert-std-to-llvm' | filecheck %s

// bf16 is stored as i16 and computed in f32 (lowering/bf16.py): a load of the
// bit pattern, widened by a shift into the top half of an f32; the f32 sum;
// rounded to nearest even (+ 0x7fff + the lowest kept bit), NaN made quiet
// (| 0x400000), the top half stored back as i16.

// CHECK-LABEL: llvm.func @add(
// CHECK:         %[[X:.*]] = llvm.load %{{.*}} : !llvm.ptr -> i16
// CHECK:         %[[XW:.*]] = llvm.zext %[[X]] : i16 to i32
// CHECK-NEXT:    %[[S16:.*]] = llvm.mlir.constant(16 : i32) : i32
// CHECK-NEXT:    %[[XS:.*]] = llvm.shl %[[XW]], %[[S16]] : i32
// CHECK-NEXT:    %[[XF:.*]] = llvm.bitcast %[[XS]] : i32 to f32
// CHECK:         %[[SUM:.*]] = llvm.fadd %[[XF]], %{{.*}} : f32
// CHECK-NEXT:    %[[BITS:.*]] = llvm.bitcast %[[SUM]] : f32 to i32
// CHECK:         llvm.mlir.constant(32767 : i32) : i32
// CHECK:         llvm.fcmp "uno" %[[SUM]], %[[SUM]] : f32
// CHECK:         llvm.mlir.constant(4194304 : i32) : i32
// CHECK:         %[[TOP:.*]] = llvm.trunc %{{.*}} : i32 to i16
// CHECK:         llvm.store %[[TOP]], %{{.*}} : i16, !llvm.ptr
// The host function passes the tensors as i16 memrefs.
// CHECK-LABEL: llvm.func @_mlir_ciface_main(
// CHECK-SAME:    ciface_type = (memref<?xi16>, memref<?xi16>, memref<?xi64>, memref<?xi64>) -> i32
relax.func @main(%x: !relax.tensor<[n], bf16>, %y: !relax.tensor<[n], bf16>) -> !relax.tensor<[n], bf16> {
  %z = relax.add %x, %y : !relax.tensor<[n], bf16>
  relax.return %z : !relax.tensor<[n], bf16>
}
