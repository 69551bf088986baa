// RUN: env XRELAX_TARGET=avx2 relax-opt %s -p convert-std-to-llvm | filecheck %s
// RUN: env XRELAX_TARGET=avx512 relax-opt %s -p convert-std-to-llvm | filecheck %s --check-prefix=AVX512

func.func @math(%x: f32, %v: vector<4xf32>, %d: f64, %vd: vector<2xf64>) -> (vector<4xf32>, f64, f32, vector<2xf64>) {
  %f = math.fma %v, %v, %v : vector<4xf32>
  %r = math.rsqrt %d : f64
  %s = math.sin %x : f32
  %erf = math.erf %vd : vector<2xf64>
  func.return %f, %r, %s, %erf : vector<4xf32>, f64, f32, vector<2xf64>
}

// libm functions without an intrinsic (f64 erf is not expanded) are declared once.
// CHECK:       llvm.func @erf(f64) -> f64
// CHECK-LABEL: llvm.func @math(
// CHECK-NEXT:    %f = llvm.call_intrinsic "llvm.fma.v4f32"(%v, %v, %v) : (vector<4xf32>, vector<4xf32>, vector<4xf32>) -> vector<4xf32>
// CHECK-NEXT:    %[[SQ:.*]] = llvm.call_intrinsic "llvm.sqrt.f64"(%d) : (f64) -> f64
// CHECK-NEXT:    %[[ONE:.*]] = llvm.mlir.constant(1.000000e+00 : f64) : f64
// CHECK-NEXT:    %{{.*}} = llvm.fdiv %[[ONE]], %[[SQ]] : f64
// CHECK-NEXT:    %s = llvm.call_intrinsic "llvm.sin.f32"(%x) : (f32) -> f32
// Vectors of a libm-only function are computed lane by lane.
// CHECK-COUNT-2: llvm.call @erf
// CHECK:         llvm.insertelement

// exp, log, tanh, erf, pow and the rest of vector_math.INLINE become inline
// code on scalars and vectors: no call, no intrinsic that LLVM would expand
// into libm calls.
func.func @inline(%x: f32, %v: vector<16xf32>, %d: f64, %h: f16) -> (f32, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, f64, f16) {
  %e = math.exp %x : f32
  %l = math.log %v : vector<16xf32>
  %t = math.tanh %v : vector<16xf32>
  %erf = math.erf %v : vector<16xf32>
  %p = math.powf %v, %v : vector<16xf32>
  %ld = math.log1p %d : f64
  %eh = math.exp %h : f16
  func.return %e, %l, %t, %erf, %p, %ld, %eh : f32, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, f64, f16
}

// On AVX-512, 2^k scaling is one llvm.ldexp (vscalefps) instead.
// AVX512-LABEL: llvm.func @inline(
// AVX512:         %e = llvm.call_intrinsic "llvm.ldexp.f32.i32"(%{{.*}}, %{{.*}}) : (f32, i32) -> f32
// AVX512:         llvm.call_intrinsic "llvm.ldexp.v16f64.v16i64"
// CHECK-LABEL: llvm.func @inline(
// exp: round x * log2(e) with the 1.5 * 2^23 trick, k ln2 subtracted in two parts,
// a polynomial, and 2^k built in the exponent field in two factors.
// CHECK:         %[[T:.*]] = llvm.call_intrinsic "llvm.fmuladd.f32"(%{{.*}}, %{{.*}}, %{{.*}}) : (f32, f32, f32) -> f32
// CHECK:         llvm.bitcast %[[T]] : f32 to i32
// CHECK:         llvm.shl %{{.*}}, %{{.*}} : i32
// CHECK:         %e = llvm.fmul %{{.*}}, %{{.*}} : f32
// log on vectors: exponent and mantissa from the bits, lane-wise compares and selects.
// CHECK:         llvm.ashr %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK:         llvm.fcmp "olt" %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK:         %l = llvm.select %{{.*}}, %{{.*}}, %{{.*}} : vector<16xi1>, vector<16xf32>
// CHECK:         %t = llvm.call_intrinsic "llvm.copysign.v16f32"
// CHECK:         %erf{{.*}} = llvm.select %{{.*}} : vector<16xi1>, vector<16xf32>
// pow of f32 runs in f64 and is rounded once.
// CHECK:         llvm.fpext %{{.*}} : vector<16xf32> to vector<16xf64>
// CHECK:         %p = llvm.fptrunc %{{.*}} : vector<16xf64> to vector<16xf32>
// CHECK:         %ld = llvm.select %{{.*}}, %{{.*}}, %{{.*}} : i1, f64
// CHECK:         llvm.fpext %h : f16 to f32
// CHECK:         %eh = llvm.fptrunc %{{.*}} : f32 to f16
// CHECK-NOT:     llvm.call @
// CHECK-NOT:     "llvm.exp.
// CHECK-NOT:     "llvm.log.
// CHECK-NOT:     "llvm.tanh.
// CHECK-NOT:     "llvm.pow.
// CHECK:         llvm.return
