// RUN: relax-opt %s -p legalize-ops | filecheck %s
// RUN: relax-opt %s | relax-opt | filecheck %s --check-prefix=ROUND

// Reductions become one reduce block (mean: a sum, then a division by the
// symbolic count; argmax/argmin: the extreme value, then the first index
// where it occurs, as a min reduction over indices).

// ROUND-LABEL: relax.func @sum_keep
// ROUND:         %y = relax.sum %x {axis = [-1 : i64, 0 : i64], keepdims = true} : !relax.tensor<[1, 4, 1], f32>
// ROUND-LABEL: relax.func @mean_sym
// ROUND:         %y = relax.mean %x {axis = [0 : i64]} : !relax.tensor<[4], f32>
// ROUND-LABEL: relax.func @max_min_prod
// ROUND:         %a = relax.max %x {axis = [1 : i64]} : !relax.tensor<[n], i32>
// ROUND:         %b = relax.min %x : !relax.tensor<[], i32>
// ROUND:         %c = relax.prod %x {axis = [-1 : i64], keepdims = false} : !relax.tensor<[n], i32>
// ROUND-LABEL: relax.func @argmax_axis
// ROUND:         %y = relax.argmax %x {axis = -1 : i64, keepdims = true} : !relax.tensor<[n, 1], i64>
// ROUND-LABEL: relax.func @argmin_flat
// ROUND:         %y = relax.argmin %x : !relax.tensor<[], i64>

// CHECK-LABEL: relax.func @sum_keep
// CHECK:         relax.call_tir @sum(%x) : !relax.tensor<[1, 4, 1], f32>
// CHECK-LABEL: relax.func @mean_sym
// CHECK:         relax.call_tir @mean(%x) : !relax.tensor<[4], f32>
// CHECK-LABEL: relax.func @max_min_prod
// CHECK:         relax.call_tir @max(%x) : !relax.tensor<[n], i32>
// CHECK:         relax.call_tir @min(%x) : !relax.tensor<[], i32>
// CHECK:         relax.call_tir @prod(%x) : !relax.tensor<[n], i32>
// CHECK-LABEL: relax.func @argmax_axis
// CHECK:         relax.call_tir @argmax(%x) : !relax.tensor<[n, 1], i64>
// CHECK-LABEL: relax.func @argmin_flat
// CHECK:         relax.call_tir @argmin(%x) : !relax.tensor<[], i64>
// CHECK-NOT:     relax.sum
// CHECK-NOT:     relax.argmax

// keepdims: size-1 spatial loops; the reduce loops run over the dims n and 3.
// CHECK:       tir.func @sum(%x0: !tir.buffer<[n, 4, 3], f32>, %T_sum: !tir.buffer<[1, 4, 1], f32>)
// CHECK:         tir.for %r0 = 0 to n {
// CHECK-NEXT:      tir.for %r2 = 0 to 3 {
// CHECK-NEXT:        tir.block "T_sum" (%vi0 = spatial[1] %i0, %vi1 = spatial[4] %i1, %vi2 = spatial[1] %i2, %vr0 = reduce[n] %r0, %vr2 = reduce[3] %r2)
// CHECK:               tir.init {
// CHECK-NEXT:            arith.constant 0.000000e+00 : f32
// CHECK:               %[[X:.*]] = tir.load %x0[%vr0, %vi1, %vr2] : f32
// CHECK:               %[[ACC:.*]] = tir.load %T_sum[%vi0, %vi1, %vi2] : f32
// CHECK:               arith.addf %[[ACC]], %[[X]] : f32

// CHECK:       tir.func @mean(%x0: !tir.buffer<[n, 4], f32>, %T_mean: !tir.buffer<[4], f32>)
// CHECK:         %T_sum = tir.alloc_buffer : !tir.buffer<[4], f32>
// CHECK:         tir.block "T_sum" (%vi0 = spatial[4] %i0, %vr0 = reduce[n] %r0)
// CHECK:         tir.block "T_mean"
// CHECK:           %n = tir.expr n : index
// CHECK:           %[[C:.*]] = arith.index_cast %n : index to i64
// CHECK:           %[[F:.*]] = arith.sitofp %[[C]] : i64 to f32
// CHECK:           arith.divf %{{.*}}, %[[F]] : f32

// Integer reductions start from the int limits (max, min) or 1 (prod).
// CHECK:       tir.func @max(%x0: !tir.buffer<[n, 5], i32>, %T_max: !tir.buffer<[n], i32>)
// CHECK:           arith.constant -2147483648 : i32
// CHECK:           arith.maxsi
// CHECK:       tir.func @min(%x0: !tir.buffer<[n, 5], i32>, %T_min: !tir.buffer<[], i32>)
// CHECK:         tir.block "T_min" (%vr0 = reduce[n] %r0, %vr1 = reduce[5] %r1)
// CHECK:           arith.constant 2147483647 : i32
// CHECK:           arith.minsi
// CHECK:       tir.func @prod(
// CHECK:           arith.constant 1 : i32
// CHECK:           arith.muli

// argmax: max into T_best, then the smallest index whose value equals it (or is NaN).
// CHECK:       tir.func @argmax(%x0: !tir.buffer<[n, 4], f32>, %T_argmax: !tir.buffer<[n, 1], i64>)
// CHECK:         %T_best = tir.alloc_buffer : !tir.buffer<[n, 1], f32>
// CHECK:         tir.block "T_best"
// CHECK:           arith.maximumf
// CHECK:         tir.block "T_argmax" (%vi0_1 = spatial[n] %i0_1, %vi1_1 = spatial[1] %i1_1, %vr1_1 = reduce[4] %r1_1)
// CHECK:           arith.constant 9223372036854775807 : i64
// CHECK:           %[[V:.*]] = tir.load %x0[%vi0_1, %vr1_1] : f32
// CHECK:           %[[B:.*]] = tir.load %T_best[%vi0_1, %vi1_1] : f32
// CHECK:           %[[EQ:.*]] = arith.cmpf oeq, %[[V]], %[[B]] : f32
// CHECK:           %[[NAN:.*]] = arith.cmpf une, %[[V]], %[[V]] : f32
// CHECK:           %[[HIT:.*]] = arith.ori %[[EQ]], %[[NAN]] : i1
// CHECK:           %[[I:.*]] = arith.index_cast %vr1_1 : index to i64
// CHECK:           %[[SEL:.*]] = arith.select %[[HIT]], %[[I]], %{{.*}} : i64
// CHECK:           arith.minsi %{{.*}}, %[[SEL]] : i64

// argmin over all axes: the row-major index r0 * 4 + r1.
// CHECK:       tir.func @argmin(%x0: !tir.buffer<[n, 4], i32>, %T_argmin: !tir.buffer<[], i64>)
// CHECK:           arith.minsi
// CHECK:         tir.block "T_argmin" (%vr0_1 = reduce[n] %r0_1, %vr1_1 = reduce[4] %r1_1)
// CHECK:           arith.cmpi eq
// CHECK:           %[[FOUR:.*]] = arith.constant 4 : index
// CHECK:           %[[ROW:.*]] = arith.muli %vr0_1, %[[FOUR]] : index
// CHECK:           arith.addi %[[ROW]], %vr1_1 : index

relax.func @sum_keep(%x: !relax.tensor<[n, 4, 3], f32>) -> !relax.tensor<[1, 4, 1], f32> {
  %y = relax.sum %x {axis = [-1, 0], keepdims = true} : !relax.tensor<[1, 4, 1], f32>
  relax.return %y : !relax.tensor<[1, 4, 1], f32>
}
relax.func @mean_sym(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[4], f32> {
  %y = relax.mean %x {axis = [0]} : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}
relax.func @max_min_prod(%x: !relax.tensor<[n, 5], i32>) -> !relax.tensor<[], i32> {
  %a = relax.max %x {axis = [1]} : !relax.tensor<[n], i32>
  %b = relax.min %x : !relax.tensor<[], i32>
  %c = relax.prod %x {axis = [-1], keepdims = false} : !relax.tensor<[n], i32>
  relax.return %b : !relax.tensor<[], i32>
}
relax.func @argmax_axis(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 1], i64> {
  %y = relax.argmax %x {axis = -1, keepdims = true} : !relax.tensor<[n, 1], i64>
  relax.return %y : !relax.tensor<[n, 1], i64>
}
relax.func @argmin_flat(%x: !relax.tensor<[n, 4], i32>) -> !relax.tensor<[], i64> {
  %y = relax.argmin %x : !relax.tensor<[], i64>
  relax.return %y : !relax.tensor<[], i64>
}
