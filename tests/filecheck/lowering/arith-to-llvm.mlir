// RUN: relax-opt %s -p convert-std-to-llvm | filecheck %s

func.func @arith(%a: i32, %b: i32, %x: f32, %y: f32, %i: index) -> (i32, f32, i1, f32, i64, i32, vector<4xf32>, i32, i64) {
  %c = arith.constant 3 : index
  %v = arith.constant dense<1.5> : vector<4xf32>
  %s = arith.addi %i, %c : index
  %fd = arith.floordivsi %a, %b : i32
  %mx = arith.maxsi %a, %b : i32
  %m = arith.maximumf %x, %y : f32
  %p = arith.mulf %x, %y fastmath<fast> : f32
  %lt = arith.cmpf olt, %x, %y : f32
  %sel = arith.select %lt, %x, %m : f32
  %e = arith.extsi %a : i32 to i64
  %t = arith.fptosi %x : f32 to i32
  %n = arith.negf %p : f32
  %ic = arith.index_cast %s : index to i64
  func.return %fd, %sel, %lt, %n, %ic, %t, %v, %mx, %e : i32, f32, i1, f32, i64, i32, vector<4xf32>, i32, i64
}

// CHECK-LABEL: llvm.func @arith(
// CHECK:         %c = llvm.mlir.constant(3) : i64
// CHECK-NEXT:    %v = llvm.mlir.constant(dense<1.500000e+00> : vector<4xf32>) : vector<4xf32>
// CHECK-NEXT:    %s = llvm.add %i, %c : i64
// floordivsi: truncating division corrected towards -inf
// CHECK-NEXT:    %[[Q:.*]] = llvm.sdiv %a, %b : i32
// CHECK-NEXT:    %[[R:.*]] = llvm.srem %a, %b : i32
// CHECK-NEXT:    %[[ZERO:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT:    %[[ONE:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT:    %[[RNZ:.*]] = llvm.icmp "ne" %[[R]], %[[ZERO]] : i32
// CHECK-NEXT:    %[[RNEG:.*]] = llvm.icmp "slt" %[[R]], %[[ZERO]] : i32
// CHECK-NEXT:    %[[BNEG:.*]] = llvm.icmp "slt" %b, %[[ZERO]] : i32
// CHECK-NEXT:    %[[DIFF:.*]] = llvm.xor %[[RNEG]], %[[BNEG]] : i1
// CHECK-NEXT:    %[[ADJ:.*]] = llvm.and %[[RNZ]], %[[DIFF]] : i1
// CHECK-NEXT:    %[[QM1:.*]] = llvm.sub %[[Q]], %[[ONE]] : i32
// CHECK-NEXT:    %[[FD:.*]] = llvm.select %[[ADJ]], %[[QM1]], %[[Q]] : i1, i32
// CHECK-NEXT:    %mx = llvm.call_intrinsic "llvm.smax.i32"(%a, %b) : (i32, i32) -> i32
// CHECK-NEXT:    %m = llvm.call_intrinsic "llvm.maximum.f32"(%x, %y) : (f32, f32) -> f32
// CHECK-NEXT:    %p = llvm.fmul %x, %y {fastmathFlags = #llvm.fastmath<fast>} : f32
// CHECK-NEXT:    %lt = llvm.fcmp "olt" %x, %y : f32
// CHECK-NEXT:    %sel = llvm.select %lt, %x, %m : i1, f32
// CHECK-NEXT:    %e = llvm.sext %a : i32 to i64
// CHECK-NEXT:    %t = llvm.call_intrinsic "llvm.fptosi.sat.i32.f32"(%x) : (f32) -> i32
// CHECK-NEXT:    %n = llvm.fneg %p : f32
// CHECK-NEXT:    llvm.mlir.undef : !llvm.struct<(i32, f32, i1, f32, i64, i32, vector<4xf32>, i32, i64)>
// index_cast index -> i64 is a no-op: %s is returned directly.
// CHECK:         llvm.insertvalue %[[FD]], %{{.*}}[0]
// CHECK:         llvm.insertvalue %s, %{{.*}}[4]

// Float add, sub and mul may contract into FMA (`contract`); other flags are
// kept as given, and nothing else is relaxed.
func.func @contract(%x: f32, %y: vector<8xf32>) -> (f32, vector<8xf32>) {
  %p = arith.mulf %x, %x : f32
  %s = arith.addf %p, %x : f32
  %d = arith.subf %s, %x fastmath<nnan> : f32
  %q = arith.divf %d, %x : f32
  %v = arith.mulf %y, %y : vector<8xf32>
  %w = arith.addf %v, %y : vector<8xf32>
  func.return %q, %w : f32, vector<8xf32>
}
// CHECK-LABEL: llvm.func @contract(
// CHECK-NEXT:    %[[P:.*]] = llvm.fmul %[[X:.*]], %[[X]] {fastmathFlags = #llvm.fastmath<contract>} : f32
// CHECK-NEXT:    %[[S:.*]] = llvm.fadd %[[P]], %[[X]] {fastmathFlags = #llvm.fastmath<contract>} : f32
// CHECK-NEXT:    %d = llvm.fsub %[[S]], %[[X]] {fastmathFlags = #llvm.fastmath<nnan,contract>} : f32
// CHECK-NEXT:    %q = llvm.fdiv %d, %[[X]] : f32
// CHECK-NEXT:    %[[V:.*]] = llvm.fmul %[[Y:.*]], %[[Y]] {fastmathFlags = #llvm.fastmath<contract>} : vector<8xf32>
// CHECK-NEXT:    %w = llvm.fadd %[[V]], %[[Y]] {fastmathFlags = #llvm.fastmath<contract>} : vector<8xf32>
