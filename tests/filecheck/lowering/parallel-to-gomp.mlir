// RUN: relax-opt %s -p convert-std-to-llvm | filecheck %s

func.func @double(%x: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  "scf.parallel"(%c0, %n, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
  ^bb0(%i: index):
    %v = memref.load %x[%i] : memref<?xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %x[%i] : memref<?xf32>
    scf.reduce
  }) : (index, index, index) -> ()
  func.return
}

// The loop body moves to an outlined function; the captured values (the
// memref and the bounds) travel in a stack struct passed to GOMP_parallel.
// CHECK:       llvm.func @GOMP_parallel(!llvm.ptr, !llvm.ptr, i32, i32)
// CHECK-LABEL: llvm.func @double(
// CHECK:         %[[DATA:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(!llvm.struct<(!llvm.ptr, !llvm.ptr, i64, !llvm.array<1 x i64>, !llvm.array<1 x i64>)>, i64, i64, i64)>
// CHECK:         llvm.store %{{.*}}, %[[DATA]]
// CHECK-NEXT:    %[[FN:.*]] = llvm.mlir.addressof @double_parallel0 : !llvm.ptr
// CHECK-NEXT:    %[[Z:.*]] = llvm.mlir.constant(0 : i32) : i32
// A loop of fewer than two iterations asks for one thread (no team wake-up).
// CHECK:         %[[SEVERAL:.*]] = llvm.icmp "sge" %{{.*}}, %{{.*}} : i64
// CHECK:         %[[THREADS:.*]] = llvm.select %[[SEVERAL]], %{{.*}}, %{{.*}} : i1, i32
// CHECK-NEXT:    llvm.call @GOMP_parallel(%[[FN]], %[[DATA]], %[[THREADS]], %[[Z]])

// Each thread takes its chunk of the iterations.
// CHECK-LABEL: llvm.func internal @double_parallel0(%{{.*}}: !llvm.ptr)
// CHECK:         llvm.call @omp_get_thread_num() : () -> i32
// CHECK:         llvm.call @omp_get_num_threads() : () -> i32
// CHECK:         llvm.fadd
// CHECK:       llvm.func @_mlir_ciface_double(
