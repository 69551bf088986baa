// RUN: relax-opt %s -p legalize-ops | filecheck %s
// RUN: relax-opt %s | relax-opt | filecheck %s --check-prefix=ROUND

// The nn ops become tir kernels: conv2d pads into a local buffer, pooling
// guards out-of-bounds window elements with a select, softmax and the norms
// compute their statistics in stages (local buffers).

// ROUND-LABEL: relax.func @conv
// ROUND:         relax.conv2d %x, %wt {strides = [2 : i64, 2 : i64], padding = [1 : i64, 1 : i64, 1 : i64, 1 : i64], dilation = [2 : i64, 2 : i64], groups = 2 : i64} : !relax.tensor<[n, 6, (h - 3) floordiv 2 + 1, (w - 3) floordiv 2 + 1], f32>
// ROUND-LABEL: relax.func @pools
// ROUND:         relax.max_pool2d %x {pool_size = [3 : i64, 3 : i64], strides = [2 : i64, 2 : i64], padding = [1 : i64, 1 : i64]} : !relax.tensor<[n, c, (h - 1) floordiv 2 + 1, (w - 1) floordiv 2 + 1], f32>
// ROUND:         relax.avg_pool2d %x {pool_size = [3 : i64, 3 : i64], strides = [2 : i64, 2 : i64], padding = [1 : i64, 1 : i64]} : !relax.tensor<[n, c, (h - 1) floordiv 2 + 1, (w - 1) floordiv 2 + 1], f32>
// ROUND:         relax.avg_pool2d %x {pool_size = 2 : i64, count_include_pad = true} : !relax.tensor<[n, c, h - 1, w - 1], f32>
// ROUND:         relax.adaptive_avg_pool2d %x {output_size = [3 : i64, 2 : i64]} : !relax.tensor<[n, c, 3, 2], f32>
// ROUND:         relax.global_avg_pool2d %x : !relax.tensor<[n, c, 1, 1], f32>
// ROUND-LABEL: relax.func @norms
// ROUND:         relax.softmax %s : !relax.tensor<[n, 10], f32>
// ROUND:         relax.log_softmax %s {axis = 0 : i64} : !relax.tensor<[n, 10], f32>
// ROUND:         relax.layer_norm %s, %g, %g {epsilon = 1.000000e-03 : f64} : !relax.tensor<[n, 10], f32>
// ROUND:         relax.batch_norm %x, %g4, %g4, %g4, %g4 : !relax.tensor<[n, 4, h, w], f32>
// ROUND:         relax.dropout %s {rate = 1.000000e-01 : f64} : !relax.tensor<[n, 10], f32>

// CHECK-LABEL: relax.func @conv
// CHECK:         relax.call_tir @conv2d(%x, %wt) : !relax.tensor<[n, 6, (h - 3) floordiv 2 + 1, (w - 3) floordiv 2 + 1], f32>
// CHECK-LABEL: relax.func @pools
// CHECK:         relax.call_tir @max_pool2d(%x)
// CHECK:         relax.call_tir @avg_pool2d(%x)
// CHECK:         relax.call_tir @avg_pool2d1(%x) : !relax.tensor<[n, c, h - 1, w - 1], f32>
// CHECK:         relax.call_tir @adaptive_avg_pool2d(%x) : !relax.tensor<[n, c, 3, 2], f32>
// CHECK:         relax.call_tir @global_avg_pool2d(%x) : !relax.tensor<[n, c, 1, 1], f32>
// CHECK-LABEL: relax.func @norms
// CHECK:         relax.call_tir @softmax(%s)
// CHECK:         relax.call_tir @log_softmax(%s)
// CHECK:         relax.call_tir @layer_norm(%s, %g, %g)
// CHECK:         relax.call_tir @batch_norm(%x, %g4, %g4, %g4, %g4)
// CHECK:         relax.call_tir @dropout(%s)

// conv2d: zero padding into pad_temp (loads clamped inside the select), then
// the reduction over input channels of the group and the dilated, strided window.
// CHECK:       tir.func @conv2d(%x0: !tir.buffer<[n, 4, h, w], f32>, %x1: !tir.buffer<[6, 2, 3, 3], f32>, %conv2d_nchw: !tir.buffer<[n, 6, (h - 3) floordiv 2 + 1, (w - 3) floordiv 2 + 1], f32>)
// CHECK:         %pad_temp = tir.alloc_buffer : !tir.buffer<[n, 4, h + 2, w + 2], f32>
// CHECK:         tir.block "pad_temp" (%vnn = spatial[n] %nn, %vcc = spatial[4] %cc, %vhh = spatial[h + 2] %hh, %vww = spatial[w + 2] %ww)
// CHECK:           arith.cmpi sge
// CHECK:           arith.cmpi slt
// CHECK:           arith.andi
// CHECK:           arith.minsi
// CHECK:           arith.maxsi
// CHECK:           %[[V:.*]] = tir.load %x0
// CHECK:           %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:           arith.select %{{.*}}, %[[V]], %[[Z]] : f32
// CHECK:         tir.block "conv2d_nchw" (%vnn_1 = spatial[n] %nn_1, %vff = spatial[6] %ff, %vyy = spatial[(h - 3) floordiv 2 + 1] %yy, %vxx = spatial[(w - 3) floordiv 2 + 1] %xx, %vrc = reduce[2] %rc, %vry = reduce[3] %ry, %vrx = reduce[3] %rx)
// CHECK:           tir.init
// CHECK:           %[[THREE:.*]] = arith.constant 3 : index
// CHECK:           %[[G:.*]] = arith.floordivsi %vff, %[[THREE]] : index
// CHECK:           tir.load %pad_temp
// CHECK:           tir.load %x1[%vff, %vrc, %vry, %vrx] : f32
// CHECK:           arith.mulf
// CHECK:           arith.addf

// max_pool2d: padding reads -inf.
// CHECK:       tir.func @max_pool2d(
// CHECK:         tir.block "pool_max" ({{.*}}%vry = reduce[3] %ry, %vrx = reduce[3] %rx)
// CHECK:           arith.constant 0xff800000 : f32
// CHECK:           arith.select
// CHECK:           arith.maximumf

// avg_pool2d without count_include_pad: window sums, in-bounds counts, division.
// CHECK:       tir.func @avg_pool2d(
// CHECK:         %pool_sum = tir.alloc_buffer
// CHECK:         %pool_count = tir.alloc_buffer : !tir.buffer<[(h - 1) floordiv 2 + 1, (w - 1) floordiv 2 + 1], f32>
// CHECK:         tir.block "pool_sum"
// CHECK:           arith.select
// CHECK:           arith.addf
// CHECK:         tir.block "pool_count"
// CHECK:           arith.constant 1.000000e+00 : f32
// CHECK:           arith.select
// CHECK:         tir.block "pool_avg"
// CHECK:           arith.divf
// With count_include_pad (and no padding here): no guard, divide by the window size.
// CHECK:       tir.func @avg_pool2d1(
// CHECK-NOT:     arith.select
// CHECK:         tir.block "pool_avg"
// CHECK:           arith.constant 4.000000e+00 : f32
// CHECK:           arith.divf

// adaptive_avg_pool2d over symbolic h, w: the window [floor(i*h/3), ceil((i+1)*h/3))
// is guarded, the axis spans the widest window.
// CHECK:       tir.func @adaptive_avg_pool2d(
// CHECK:         tir.for %ry = 0 to (h + 2) floordiv 3 + 1 {
// CHECK:         tir.for %rx = 0 to (w + 1) floordiv 2 + 1 {
// CHECK:           tir.block "pool_sum"
// CHECK:             arith.floordivsi
// CHECK:             arith.cmpi slt
// CHECK:             arith.select
// CHECK:         tir.block "pool_avg"
// CHECK:           arith.sitofp
// CHECK:           arith.divf
// global_avg_pool2d: the whole image, divided by h * w.
// CHECK:       tir.func @global_avg_pool2d(
// CHECK:         tir.block "pool_sum" ({{.*}}%vry = reduce[h] %ry, %vrx = reduce[w] %rx)
// CHECK-NOT:       arith.select
// CHECK:         tir.block "pool_avg"
// CHECK:           tir.expr h * w : index
// CHECK:           arith.divf

// softmax: max, exp(x - max), sum, divide.
// CHECK:       tir.func @softmax(%x0: !tir.buffer<[n, 10], f32>, %T_softmax: !tir.buffer<[n, 10], f32>)
// CHECK:         %T_max = tir.alloc_buffer : !tir.buffer<[n], f32>
// CHECK:         %T_exp = tir.alloc_buffer : !tir.buffer<[n, 10], f32>
// CHECK:         %T_expsum = tir.alloc_buffer : !tir.buffer<[n], f32>
// CHECK:         tir.block "T_max" (%vi0 = spatial[n] %i0, %vk = reduce[10] %k)
// CHECK:           arith.maximumf
// CHECK:         tir.block "T_exp"
// CHECK:           arith.subf
// CHECK:           math.exp
// CHECK:         tir.block "T_expsum" ({{.*}}reduce[10]
// CHECK:           arith.addf
// CHECK:         tir.block "T_softmax"
// CHECK:           arith.divf
// log_softmax along axis 0: x - max - log(sum(exp(x - max))).
// CHECK:       tir.func @log_softmax(
// CHECK:         %T_max = tir.alloc_buffer : !tir.buffer<[10], f32>
// CHECK:         tir.block "T_max" (%vi0 = spatial[10] %i0, %vk = reduce[n] %k)
// CHECK:         tir.block "T_expsum"
// CHECK:           math.exp
// CHECK:         tir.block "T_log_softmax"
// CHECK:           math.log
// CHECK:           arith.subf
// layer_norm: sum, sum of squared deviations, then normalize with rsqrt.
// CHECK:       tir.func @layer_norm(
// CHECK:         tir.block "T_sum" (%vi0 = spatial[n] %i0, %vk1 = reduce[10] %k1)
// CHECK:         tir.block "T_var_sum"
// CHECK:           arith.mulf
// CHECK:         tir.block "T_layer_norm"
// CHECK:           arith.constant 1.000000e-03 : f32
// CHECK:           math.rsqrt
// CHECK:       tir.func @batch_norm(
// CHECK:         tir.block "T_batch_norm"
// CHECK:           tir.load %x3[%vi1] : f32
// CHECK:           math.rsqrt
// CHECK:       tir.func @dropout(%x0: !tir.buffer<[n, 10], f32>, %T_dropout: !tir.buffer<[n, 10], f32>)
// CHECK:         %[[X:.*]] = tir.load %x0[%vi0, %vi1] : f32
// CHECK-NEXT:    tir.store %[[X]], %T_dropout[%vi0, %vi1] : f32

relax.func @conv(%x: !relax.tensor<[n, 4, h, w], f32>, %wt: !relax.tensor<[6, 2, 3, 3], f32>) -> !relax.tensor<[n, 6, (h - 3) floordiv 2 + 1, (w - 3) floordiv 2 + 1], f32> {
  %y = relax.conv2d %x, %wt {strides = [2, 2], padding = [1, 1, 1, 1], dilation = [2, 2], groups = 2} : !relax.tensor<[n, 6, (h - 3) floordiv 2 + 1, (w - 3) floordiv 2 + 1], f32>
  relax.return %y : !relax.tensor<[n, 6, (h - 3) floordiv 2 + 1, (w - 3) floordiv 2 + 1], f32>
}
relax.func @pools(%x: !relax.tensor<[n, c, h, w], f32>) -> !relax.tensor<[n, c, 1, 1], f32> {
  %0 = relax.max_pool2d %x {pool_size = [3, 3], strides = [2, 2], padding = [1, 1]} : !relax.tensor<[n, c, (h - 1) floordiv 2 + 1, (w - 1) floordiv 2 + 1], f32>
  %1 = relax.avg_pool2d %x {pool_size = [3, 3], strides = [2, 2], padding = [1, 1]} : !relax.tensor<[n, c, (h - 1) floordiv 2 + 1, (w - 1) floordiv 2 + 1], f32>
  %2 = relax.avg_pool2d %x {pool_size = 2, count_include_pad = true} : !relax.tensor<[n, c, h - 1, w - 1], f32>
  %3 = relax.adaptive_avg_pool2d %x {output_size = [3, 2]} : !relax.tensor<[n, c, 3, 2], f32>
  %4 = relax.global_avg_pool2d %x : !relax.tensor<[n, c, 1, 1], f32>
  relax.return %4 : !relax.tensor<[n, c, 1, 1], f32>
}
relax.func @norms(%s: !relax.tensor<[n, 10], f32>, %g: !relax.tensor<[10], f32>, %x: !relax.tensor<[n, 4, h, w], f32>, %g4: !relax.tensor<[4], f32>) -> !relax.tensor<[n, 10], f32> {
  %0 = relax.softmax %s : !relax.tensor<[n, 10], f32>
  %1 = relax.log_softmax %s {axis = 0} : !relax.tensor<[n, 10], f32>
  %2 = relax.layer_norm %s, %g, %g {epsilon = 1.0e-03} : !relax.tensor<[n, 10], f32>
  %3 = relax.batch_norm %x, %g4, %g4, %g4, %g4 : !relax.tensor<[n, 4, h, w], f32>
  %4 = relax.dropout %s {rate = 0.1} : !relax.tensor<[n, 10], f32>
  relax.return %4 : !relax.tensor<[n, 10], f32>
}
