// RUN: relax-opt %s -p legalize-ops | filecheck %s
// RUN: relax-opt %s | relax-opt | filecheck %s --check-prefix=RT

// Element-wise ops: each becomes one spatial loop nest whose block computes the
// op's scalar function; operands broadcast by loading index 0 along size-1
// dims (and no index at all for rank 0). Kernels are named after the op,
// avoiding C library names (exp, log, erf, ...) that the JIT links against.

// RT-LABEL: relax.func @unary
// RT:         relax.neg %x : !relax.tensor<[n, 4], f32>
// RT:         relax.gelu %x : !relax.tensor<[n, 4], f32>
// RT-NEXT:    relax.gelu %x {approximate = "tanh"} : !relax.tensor<[n, 4], f32>
// RT:         relax.clip %x {min = -1.000000e+00 : f64, max = 6.000000e+00 : f64} : !relax.tensor<[n, 4], f32>
// RT-NEXT:    relax.cast %x {dtype = "f16"} : !relax.tensor<[n, 4], f16>
// RT-NEXT:    relax.cast %x {dtype = "bool"} : !relax.tensor<[n, 4], i1>
// RT:         relax.clip %i {max = 6 : i64} : !relax.tensor<[n, 4], i32>
// RT-NEXT:    relax.exp %s : !relax.tensor<[], f64>
// RT-LABEL: relax.func @binary
// RT:         relax.multiply %a, %s : !relax.tensor<[n, 1], f32>
// RT:         relax.equal %a, %b : !relax.tensor<[n, 4], i1>
// RT:         relax.where %c, %a, %s : !relax.tensor<[n, 4], f32>

// CHECK-LABEL: relax.func @unary
// CHECK-NEXT:    relax.call_tir @neg(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @abs(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @exp1(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @log1(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @sqrt1(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @rsqrt(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @sigmoid(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @tanh1(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @relu(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @gelu(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @gelu1(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @silu(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @erf1(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @floor1(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @ceil1(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @round1(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @clip(%x) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @cast(%x) : !relax.tensor<[n, 4], f16>
// CHECK-NEXT:    relax.call_tir @cast1(%x) : !relax.tensor<[n, 4], i1>
// CHECK-NEXT:    relax.call_tir @cast2(%i) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @neg1(%i) : !relax.tensor<[n, 4], i32>
// CHECK-NEXT:    relax.call_tir @abs1(%i) : !relax.tensor<[n, 4], i32>
// CHECK-NEXT:    relax.call_tir @floor2(%i) : !relax.tensor<[n, 4], i32>
// CHECK-NEXT:    relax.call_tir @clip1(%i) : !relax.tensor<[n, 4], i32>
// CHECK-NEXT:    relax.call_tir @exp3(%s) : !relax.tensor<[], f64>
// CHECK-NOT:     relax.{{neg|exp|gelu|cast|clip}} %

// CHECK-LABEL: relax.func @binary
// CHECK-NEXT:    relax.call_tir @add(%a, %b) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @subtract(%a, %b) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @multiply(%a, %s) : !relax.tensor<[n, 1], f32>
// CHECK-NEXT:    relax.call_tir @divide(%a, %b) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @power(%a, %b) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @maximum(%a, %b) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @minimum(%a, %b) : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_tir @equal(%a, %b) : !relax.tensor<[n, 4], i1>
// CHECK-NEXT:    relax.call_tir @not_equal(%a, %b) : !relax.tensor<[n, 4], i1>
// CHECK-NEXT:    relax.call_tir @less(%a, %b) : !relax.tensor<[n, 4], i1>
// CHECK-NEXT:    relax.call_tir @less_equal(%a, %b) : !relax.tensor<[n, 4], i1>
// CHECK-NEXT:    relax.call_tir @greater(%a, %b) : !relax.tensor<[n, 4], i1>
// CHECK-NEXT:    relax.call_tir @greater_equal(%a, %b) : !relax.tensor<[n, 4], i1>
// CHECK-NEXT:    relax.call_tir @divide1(%p, %q) : !relax.tensor<[n, 4], i32>
// CHECK-NEXT:    relax.call_tir @maximum1(%p, %q) : !relax.tensor<[n, 4], i32>
// CHECK-NEXT:    relax.call_tir @less1(%p, %q) : !relax.tensor<[n, 4], i1>
// CHECK-NEXT:    relax.call_tir @greater1(%c, %c) : !relax.tensor<[4], i1>
// CHECK-NEXT:    relax.call_tir @where(%c, %a, %s) : !relax.tensor<[n, 4], f32>

// The loop nest, shown once: spatial loops over the result's shape.
// CHECK-LABEL: tir.func @neg(%x0: !tir.buffer<[n, 4], f32>, %T_neg: !tir.buffer<[n, 4], f32>)
// CHECK-NEXT:    tir.for %i0 = 0 to n {
// CHECK-NEXT:      tir.for %i1 = 0 to 4 {
// CHECK-NEXT:        tir.block "T_neg" (%vi0 = spatial[n] %i0, %vi1 = spatial[4] %i1) {
// CHECK-NEXT:          %[[X:.*]] = tir.load %x0[%vi0, %vi1] : f32
// CHECK-NEXT:          %[[Y:.*]] = arith.negf %[[X]] : f32
// CHECK-NEXT:          tir.store %[[Y]], %T_neg[%vi0, %vi1] : f32
// CHECK-LABEL: tir.func @abs(
// CHECK:         math.absf
// CHECK-LABEL: tir.func @exp1(
// CHECK:         math.exp
// CHECK-LABEL: tir.func @log1(
// CHECK:         math.log
// CHECK-LABEL: tir.func @sqrt1(
// CHECK:         math.sqrt
// CHECK-LABEL: tir.func @rsqrt(
// CHECK:         math.rsqrt
// sigmoid: 1 / (1 + exp(-x))
// CHECK-LABEL: tir.func @sigmoid(
// CHECK:         %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:    %[[NEG:.*]] = arith.negf
// CHECK-NEXT:    %[[E:.*]] = math.exp %[[NEG]]
// CHECK-NEXT:    %[[D:.*]] = arith.addf %[[ONE]], %[[E]]
// CHECK-NEXT:    arith.divf %[[ONE]], %[[D]]
// CHECK-LABEL: tir.func @tanh1(
// CHECK:         math.tanh
// CHECK-LABEL: tir.func @relu(
// CHECK:         %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:    arith.maximumf %{{.*}}, %[[Z]] : f32
// gelu, exact: 0.5 * x * (1 + erf(x * 1/sqrt(2)))
// CHECK-LABEL: tir.func @gelu(
// CHECK:         arith.constant 0.707106769 : f32
// CHECK:         math.erf
// CHECK-NOT:     math.tanh
// gelu, tanh form: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
// CHECK-LABEL: tir.func @gelu1(
// CHECK:         arith.constant 0.797884583 : f32
// CHECK:         arith.constant 4.471500e-02 : f32
// CHECK:         math.tanh
// CHECK-NOT:     math.erf
// silu: x * sigmoid(x)
// CHECK-LABEL: tir.func @silu(
// CHECK:         %[[X:.*]] = tir.load %x0
// CHECK:         %[[S:.*]] = arith.divf
// CHECK-NEXT:    arith.mulf %[[X]], %[[S]] : f32
// CHECK-LABEL: tir.func @erf1(
// CHECK:         math.erf
// CHECK-LABEL: tir.func @floor1(
// CHECK:         math.floor
// CHECK-LABEL: tir.func @ceil1(
// CHECK:         math.ceil
// round: halves to even
// CHECK-LABEL: tir.func @round1(
// CHECK:         math.roundeven
// CHECK-LABEL: tir.func @clip(
// CHECK:         arith.constant -1.000000e+00 : f32
// CHECK-NEXT:    arith.maximumf
// CHECK-NEXT:    arith.constant 6.000000e+00 : f32
// CHECK-NEXT:    arith.minimumf
// CHECK-LABEL: tir.func @cast(%x0: !tir.buffer<[n, 4], f32>, %T_cast: !tir.buffer<[n, 4], f16>)
// CHECK:         arith.truncf %{{.*}} : f32 to f16
// to bool: x != 0
// CHECK-LABEL: tir.func @cast1(
// CHECK:         arith.cmpf une
// CHECK-LABEL: tir.func @cast2(
// CHECK:         arith.sitofp %{{.*}} : i32 to f32
// CHECK-LABEL: tir.func @neg1(
// CHECK:         arith.subi
// CHECK-LABEL: tir.func @abs1(
// CHECK:         math.absi
// floor of an int is the identity
// CHECK-LABEL: tir.func @floor2(
// CHECK:         %[[X:.*]] = tir.load %x0[%vi0, %vi1] : i32
// CHECK-NEXT:    tir.store %[[X]], %T_floor[%vi0, %vi1] : i32
// a one-sided int clip
// CHECK-LABEL: tir.func @clip1(
// CHECK:         arith.constant 6 : i32
// CHECK-NEXT:    arith.minsi
// CHECK-NOT:     arith.maxsi
// rank 0: a block without loops
// CHECK-LABEL: tir.func @exp3(%x0: !tir.buffer<[], f64>, %T_exp: !tir.buffer<[], f64>)
// CHECK-NEXT:    tir.block "T_exp" () {
// CHECK-NEXT:      tir.load %x0[] : f64
// CHECK-NEXT:      math.exp %{{.*}} : f64

// [n, 1] + [1, 4]: each operand loads index 0 along its size-1 dim
// CHECK-LABEL: tir.func @add(%x0: !tir.buffer<[n, 1], f32>, %x1: !tir.buffer<[1, 4], f32>, %T_add: !tir.buffer<[n, 4], f32>)
// CHECK:         tir.block "T_add" (%vi0 = spatial[n] %i0, %vi1 = spatial[4] %i1)
// CHECK-NEXT:      %[[Z:.*]] = arith.constant 0 : index
// CHECK-NEXT:      %[[A:.*]] = tir.load %x0[%vi0, %[[Z]]] : f32
// CHECK-NEXT:      %[[B:.*]] = tir.load %x1[%[[Z]], %vi1] : f32
// CHECK-NEXT:      %[[S:.*]] = arith.addf %[[A]], %[[B]] : f32
// CHECK-NEXT:      tir.store %[[S]], %T_add[%vi0, %vi1] : f32
// CHECK-LABEL: tir.func @subtract(
// CHECK:         arith.subf
// [n, 1] * []: the scalar loads without indices
// CHECK-LABEL: tir.func @multiply(%x0: !tir.buffer<[n, 1], f32>, %x1: !tir.buffer<[], f32>, %T_multiply: !tir.buffer<[n, 1], f32>)
// CHECK:         tir.load %x1[] : f32
// CHECK-NEXT:    arith.mulf
// CHECK-LABEL: tir.func @divide(
// CHECK:         arith.divf
// CHECK-LABEL: tir.func @power(
// CHECK:         math.powf
// CHECK-LABEL: tir.func @maximum(
// CHECK:         arith.maximumf
// CHECK-LABEL: tir.func @minimum(
// CHECK:         arith.minimumf
// CHECK-LABEL: tir.func @equal({{.*}}%T_equal: !tir.buffer<[n, 4], i1>)
// CHECK:         arith.cmpf oeq
// CHECK-LABEL: tir.func @not_equal(
// CHECK:         arith.cmpf une
// CHECK-LABEL: tir.func @less(
// CHECK:         arith.cmpf olt
// CHECK-LABEL: tir.func @less_equal(
// CHECK:         arith.cmpf ole
// CHECK-LABEL: tir.func @greater(
// CHECK:         arith.cmpf ogt
// CHECK-LABEL: tir.func @greater_equal(
// CHECK:         arith.cmpf oge
// int divide: floor division, with 0 for a zero divisor and -x for -1
// CHECK-LABEL: tir.func @divide1(%x0: !tir.buffer<[n, 1], i32>, %x1: !tir.buffer<[4], i32>, %T_divide: !tir.buffer<[n, 4], i32>)
// CHECK:         %[[B:.*]] = tir.load %x1[%vi1] : i32
// CHECK-NEXT:    %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    %[[IS0:.*]] = arith.cmpi eq, %[[B]], %[[ZERO]] : i32
// CHECK-NEXT:    %[[M1:.*]] = arith.constant -1 : i32
// CHECK-NEXT:    %[[ISM1:.*]] = arith.cmpi eq, %[[B]], %[[M1]] : i32
// CHECK:         %[[A:.*]] = tir.load %x0
// CHECK-NEXT:    %[[NEGA:.*]] = arith.subi %[[ZERO]], %[[A]] : i32
// CHECK-NEXT:    %[[EITHER:.*]] = arith.ori %[[IS0]], %[[ISM1]] : i1
// CHECK-NEXT:    %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-NEXT:    %[[SAFE:.*]] = arith.select %[[EITHER]], %[[ONE]], %[[B]] : i32
// CHECK-NEXT:    %[[Q:.*]] = arith.floordivsi %[[A]], %[[SAFE]] : i32
// CHECK-NEXT:    %[[R1:.*]] = arith.select %[[ISM1]], %[[NEGA]], %[[Q]] : i32
// CHECK-NEXT:    arith.select %[[IS0]], %[[ZERO]], %[[R1]] : i32
// CHECK-LABEL: tir.func @maximum1(
// CHECK:         arith.maxsi
// CHECK-LABEL: tir.func @less1(
// CHECK:         arith.cmpi slt
// bools order as 0 < 1
// CHECK-LABEL: tir.func @greater1(
// CHECK:         arith.extui %{{.*}} : i1 to i8
// CHECK:         arith.extui %{{.*}} : i1 to i8
// CHECK-NEXT:    arith.cmpi sgt, %{{.*}}, %{{.*}} : i8
// where: 3-way broadcast of [4], [n, 1] and []
// CHECK-LABEL: tir.func @where(%x0: !tir.buffer<[4], i1>, %x1: !tir.buffer<[n, 1], f32>, %x2: !tir.buffer<[], f32>, %T_where: !tir.buffer<[n, 4], f32>)
// CHECK:         %[[C:.*]] = tir.load %x0[%vi1] : i1
// CHECK-NEXT:    arith.constant 0 : index
// CHECK-NEXT:    %[[A:.*]] = tir.load %x1[%vi0, %{{.*}}] : f32
// CHECK-NEXT:    %[[B:.*]] = tir.load %x2[] : f32
// CHECK-NEXT:    arith.select %[[C]], %[[A]], %[[B]] : f32
// CHECK-NOT:   tir.func

relax.func @unary(%x: !relax.tensor<[n, 4], f32>, %i: !relax.tensor<[n, 4], i32>, %s: !relax.tensor<[], f64>) -> !relax.tensor<[n, 4], f32> {
  %0 = relax.neg %x : !relax.tensor<[n, 4], f32>
  %1 = relax.abs %x : !relax.tensor<[n, 4], f32>
  %2 = relax.exp %x : !relax.tensor<[n, 4], f32>
  %3 = relax.log %x : !relax.tensor<[n, 4], f32>
  %4 = relax.sqrt %x : !relax.tensor<[n, 4], f32>
  %5 = relax.rsqrt %x : !relax.tensor<[n, 4], f32>
  %6 = relax.sigmoid %x : !relax.tensor<[n, 4], f32>
  %7 = relax.tanh %x : !relax.tensor<[n, 4], f32>
  %8 = relax.relu %x : !relax.tensor<[n, 4], f32>
  %9 = relax.gelu %x : !relax.tensor<[n, 4], f32>
  %10 = relax.gelu %x {approximate = "tanh"} : !relax.tensor<[n, 4], f32>
  %11 = relax.silu %x : !relax.tensor<[n, 4], f32>
  %12 = relax.erf %x : !relax.tensor<[n, 4], f32>
  %13 = relax.floor %x : !relax.tensor<[n, 4], f32>
  %14 = relax.ceil %x : !relax.tensor<[n, 4], f32>
  %15 = relax.round %x : !relax.tensor<[n, 4], f32>
  %16 = relax.clip %x {min = -1.0, max = 6.0} : !relax.tensor<[n, 4], f32>
  %17 = relax.cast %x {dtype = "f16"} : !relax.tensor<[n, 4], f16>
  %18 = relax.cast %x {dtype = "bool"} : !relax.tensor<[n, 4], bool>
  %19 = relax.cast %i {dtype = "f32"} : !relax.tensor<[n, 4], f32>
  %20 = relax.neg %i : !relax.tensor<[n, 4], i32>
  %21 = relax.abs %i : !relax.tensor<[n, 4], i32>
  %22 = relax.floor %i : !relax.tensor<[n, 4], i32>
  %23 = relax.clip %i {max = 6} : !relax.tensor<[n, 4], i32>
  %24 = relax.exp %s : !relax.tensor<[], f64>
  relax.return %0 : !relax.tensor<[n, 4], f32>
}

relax.func @binary(%a: !relax.tensor<[n, 1], f32>, %b: !relax.tensor<[1, 4], f32>, %s: !relax.tensor<[], f32>, %p: !relax.tensor<[n, 1], i32>, %q: !relax.tensor<[4], i32>, %c: !relax.tensor<[4], bool>) -> !relax.tensor<[n, 4], f32> {
  %0 = relax.add %a, %b : !relax.tensor<[n, 4], f32>
  %1 = relax.subtract %a, %b : !relax.tensor<[n, 4], f32>
  %2 = relax.multiply %a, %s : !relax.tensor<[n, 1], f32>
  %3 = relax.divide %a, %b : !relax.tensor<[n, 4], f32>
  %4 = relax.power %a, %b : !relax.tensor<[n, 4], f32>
  %5 = relax.maximum %a, %b : !relax.tensor<[n, 4], f32>
  %6 = relax.minimum %a, %b : !relax.tensor<[n, 4], f32>
  %7 = relax.equal %a, %b : !relax.tensor<[n, 4], bool>
  %8 = relax.not_equal %a, %b : !relax.tensor<[n, 4], bool>
  %9 = relax.less %a, %b : !relax.tensor<[n, 4], bool>
  %10 = relax.less_equal %a, %b : !relax.tensor<[n, 4], bool>
  %11 = relax.greater %a, %b : !relax.tensor<[n, 4], bool>
  %12 = relax.greater_equal %a, %b : !relax.tensor<[n, 4], bool>
  %13 = relax.divide %p, %q : !relax.tensor<[n, 4], i32>
  %14 = relax.maximum %p, %q : !relax.tensor<[n, 4], i32>
  %15 = relax.less %p, %q : !relax.tensor<[n, 4], bool>
  %16 = relax.greater %c, %c : !relax.tensor<[4], bool>
  %17 = relax.where %c, %a, %s : !relax.tensor<[n, 4], f32>
  relax.return %0 : !relax.tensor<[n, 4], f32>
}
