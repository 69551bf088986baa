// RUN: not relax-opt %s -p 'default-pipeline{fold=false lower=true}' 2>&1 | filecheck %s
// A memref.dim of a dimension the memref does not have is a user error, not an
// IndexError inside the lowering (a fuzzer find).
// CHECK: memref-dim-range.mlir:7:3: error: memref.dim: dimension 65536 is out of range for a memref of rank 1
func.func @double(%x: memref<?xf32>) -> index {
  %c0 = arith.constant 65536 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  func.return %n : index
}
