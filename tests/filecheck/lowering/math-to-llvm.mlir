// RUN: relax-opt %s -p convert-std-to-llvm | filecheck %s

func.func @math(%x: f32, %v: vector<4xf32>, %d: f64) -> (f32, vector<4xf32>, f64, f32) {
  %e = math.exp %x : f32
  %t = math.tanh %v : vector<4xf32>
  %f = math.fma %v, %t, %v : vector<4xf32>
  %r = math.rsqrt %d : f64
  %erf = math.erf %x : f32
  %ve = math.erf %f : vector<4xf32>
  func.return %e, %ve, %r, %erf : f32, vector<4xf32>, f64, f32
}

// libm functions without an intrinsic are declared once.
// CHECK:       llvm.func @erff(f32) -> f32
// CHECK-LABEL: llvm.func @math(
// CHECK-NEXT:    %e = llvm.call_intrinsic "llvm.exp.f32"(%x) : (f32) -> f32
// CHECK-NEXT:    %t = llvm.call_intrinsic "llvm.tanh.v4f32"(%v) : (vector<4xf32>) -> vector<4xf32>
// CHECK-NEXT:    %f = llvm.call_intrinsic "llvm.fma.v4f32"(%v, %t, %v) : (vector<4xf32>, vector<4xf32>, vector<4xf32>) -> vector<4xf32>
// CHECK-NEXT:    %[[SQ:.*]] = llvm.call_intrinsic "llvm.sqrt.f64"(%d) : (f64) -> f64
// CHECK-NEXT:    %[[ONE:.*]] = llvm.mlir.constant(1.000000e+00 : f64) : f64
// CHECK-NEXT:    %{{.*}} = llvm.fdiv %[[ONE]], %[[SQ]] : f64
// CHECK-NEXT:    %erf = llvm.call @erff(%x) : (f32) -> f32
// Vectors of a libm-only function are computed lane by lane.
// CHECK-COUNT-4: llvm.call @erff
// CHECK:         llvm.insertelement
