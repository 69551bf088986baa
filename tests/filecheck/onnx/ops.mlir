// RUN: relax-opt %s | relax-opt | filecheck %s --check-prefix=ROUND
// RUN: relax-opt %s -p legalize-ops | filecheck %s

// The ops the ONNX frontend added: their text round-trips, their types are
// inferred (symbolic shapes included), and legalize-ops turns each into a
// generated kernel (symbolic values in kernel bodies become sym arguments).

// ROUND-LABEL: relax.func @activations
// ROUND:         %a = relax.leaky_relu %x {alpha = 1.000000e-01 : f64} : !relax.tensor<[n, 4], f32>
// ROUND:         %b = relax.elu %a : !relax.tensor<[n, 4], f32>
// ROUND:         %c = relax.selu %b : !relax.tensor<[n, 4], f32>
// ROUND:         %d = relax.celu %c {alpha = 2.000000e+00 : f64} : !relax.tensor<[n, 4], f32>
// ROUND:         %e = relax.hard_sigmoid %d : !relax.tensor<[n, 4], f32>
// ROUND:         %f = relax.hard_swish %e : !relax.tensor<[n, 4], f32>
// ROUND:         %g = relax.softplus %f : !relax.tensor<[n, 4], f32>
// ROUND:         %h = relax.softsign %g : !relax.tensor<[n, 4], f32>
// ROUND:         %i = relax.mish %h : !relax.tensor<[n, 4], f32>
// ROUND:         %j = relax.thresholded_relu %i : !relax.tensor<[n, 4], f32>
// ROUND:         %k = relax.shrink %j {lambd = 1.500000e+00 : f64} : !relax.tensor<[n, 4], f32>
// ROUND:         %l = relax.sin %k : !relax.tensor<[n, 4], f32>
// ROUND:         %m = relax.atanh %l : !relax.tensor<[n, 4], f32>
// ROUND:         %s = relax.sign %m : !relax.tensor<[n, 4], f32>
// ROUND-LABEL: relax.func @logic
// ROUND:         %a = relax.isnan %x : !relax.tensor<[n], i1>
// ROUND:         %b = relax.isinf %x {detect_negative = false} : !relax.tensor<[n], i1>
// ROUND:         %c = relax.logical_and %a, %p : !relax.tensor<[n], i1>
// ROUND:         %d = relax.logical_or %c, %b : !relax.tensor<[n], i1>
// ROUND:         %e = relax.logical_xor %d, %p : !relax.tensor<[n], i1>
// ROUND:         %f = relax.logical_not %e : !relax.tensor<[n], i1>
// ROUND:         %g = relax.bitwise_and %i, %i : !relax.tensor<[n], i32>
// ROUND:         %h = relax.bitwise_or %g, %i : !relax.tensor<[n], i32>
// ROUND:         %j = relax.bitwise_xor %h, %i : !relax.tensor<[n], i32>
// ROUND:         %k = relax.bitwise_not %j : !relax.tensor<[n], i32>
// ROUND:         %l = relax.trunc_divide %k, %i : !relax.tensor<[n], i32>
// ROUND:         %m = relax.floor_mod %l, %i : !relax.tensor<[n], i32>
// ROUND:         %o = relax.trunc_mod %m, %i : !relax.tensor<[n], i32>
// ROUND-LABEL: relax.func @sequences
// ROUND:         %s = relax.symbolic_tensor {values = [#tir.expr<n>, #tir.expr<n * 6>]} : !relax.tensor<[2], i64>
// ROUND:         %r = relax.arange {end = #tir.expr<n>, step = 2 : i64} : !relax.tensor<[(n + 1) floordiv 2], i64>
// ROUND:         %f = relax.arange {start = 5.000000e-01 : f64, end = 2.000000e+00 : f64, step = 5.000000e-01 : f64, dtype = "f32"} : !relax.tensor<[3], f32>
// ROUND:         %c = relax.cumsum %x {axis = 1 : i64, exclusive = true} : !relax.tensor<[n, 6], f32>
// ROUND:         %t = relax.topk %c {k = 2 : i64} : !relax.tuple<!relax.tensor<[n, 2], f32>, !relax.tensor<[n, 2], i64>>
// ROUND-LABEL: relax.func @gathers
// ROUND:         %a = relax.gather_elements %x, %i {axis = 1 : i64} : !relax.tensor<[n, 2], f32>
// ROUND:         %b = relax.gather_nd %x, %j : !relax.tensor<[3, 5], f32>
// ROUND:         %c = relax.scatter_elements %x, %i, %u {axis = 1 : i64, reduction = "add"} : !relax.tensor<[n, 5], f32>
// ROUND:         %d = relax.scatter_nd %c, %j, %v : !relax.tensor<[n, 5], f32>
// ROUND-LABEL: relax.func @windows
// ROUND:         %a = relax.conv3d %x, %k {padding = [1 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64]} : !relax.tensor<[n, 4, d, h, w], f32>
// ROUND:         %b = relax.max_pool3d %a {pool_size = [2 : i64, 2 : i64, 2 : i64], strides = [2 : i64, 2 : i64, 2 : i64]} : !relax.tensor<[n, 4, (d - 2) floordiv 2 + 1, (h - 2) floordiv 2 + 1, (w - 2) floordiv 2 + 1], f32>
// ROUND:         %c = relax.avg_pool3d %a {pool_size = [3 : i64, 3 : i64, 3 : i64], padding = [1 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64, 1 : i64]} : !relax.tensor<[n, 4, d, h, w], f32>
// ROUND:         %t = relax.conv2d_transpose %y, %kt {strides = [2 : i64, 2 : i64], padding = [1 : i64, 1 : i64, 1 : i64, 1 : i64]} : !relax.tensor<[n, 3, h * 2 - 1, w * 2 - 1], f32>
// ROUND-LABEL: relax.func @images
// ROUND:         %a = relax.group_norm %x, %g, %g {num_groups = 2 : i64} : !relax.tensor<[n, 4, h, w], f32>
// ROUND:         %b = relax.instance_norm %a, %g, %g : !relax.tensor<[n, 4, h, w], f32>
// ROUND:         %c = relax.lrn %b {size = 3 : i64} : !relax.tensor<[n, 4, h, w], f32>
// ROUND:         %d = relax.rms_norm %c, %s {axes = [-2 : i64, -1 : i64]} : !relax.tensor<[n, 4, h, w], f32>
// ROUND:         %e = relax.resize %d {sizes = [#tir.expr<n>, 4 : i64, #tir.expr<h * 2>, #tir.expr<w * 2>], mode = "linear"} : !relax.tensor<[n, 4, h * 2, w * 2], f32>
// ROUND-LABEL: relax.func @products
// ROUND:         %e = relax.einsum %a, %c {subscripts = "bnk,km->bmn"} : !relax.tensor<[b, m, n], f32>

// CHECK-LABEL: relax.func @activations
// CHECK:         %a = relax.call_tir @leaky_relu(%x) : !relax.tensor<[n, 4], f32>
// CHECK:         %b = relax.call_tir @elu(%a) : !relax.tensor<[n, 4], f32>
// CHECK:         %c = relax.call_tir @selu(%b) : !relax.tensor<[n, 4], f32>
// CHECK:         %d = relax.call_tir @celu(%c) : !relax.tensor<[n, 4], f32>
// CHECK:         %e = relax.call_tir @hard_sigmoid(%d) : !relax.tensor<[n, 4], f32>
// CHECK:         %f = relax.call_tir @hard_swish(%e) : !relax.tensor<[n, 4], f32>
// CHECK:         %g = relax.call_tir @softplus(%f) : !relax.tensor<[n, 4], f32>
// CHECK:         %h = relax.call_tir @softsign(%g) : !relax.tensor<[n, 4], f32>
// CHECK:         %i = relax.call_tir @mish(%h) : !relax.tensor<[n, 4], f32>
// CHECK:         %j = relax.call_tir @thresholded_relu(%i) : !relax.tensor<[n, 4], f32>
// CHECK:         %k = relax.call_tir @shrink(%j) : !relax.tensor<[n, 4], f32>
// CHECK:         %l = relax.call_tir @sin1(%k) : !relax.tensor<[n, 4], f32>
// CHECK:         %m = relax.call_tir @atanh1(%l) : !relax.tensor<[n, 4], f32>
// CHECK:         %s = relax.call_tir @sign(%m) : !relax.tensor<[n, 4], f32>
// CHECK-LABEL: relax.func @logic
// CHECK:         %a = relax.call_tir @isnan(%x) : !relax.tensor<[n], i1>
// CHECK:         %b = relax.call_tir @isinf(%x) : !relax.tensor<[n], i1>
// CHECK:         %c = relax.call_tir @logical_and(%a, %p) : !relax.tensor<[n], i1>
// CHECK:         %d = relax.call_tir @logical_or(%c, %b) : !relax.tensor<[n], i1>
// CHECK:         %e = relax.call_tir @logical_xor(%d, %p) : !relax.tensor<[n], i1>
// CHECK:         %f = relax.call_tir @logical_not(%e) : !relax.tensor<[n], i1>
// CHECK:         %g = relax.call_tir @bitwise_and(%i, %i) : !relax.tensor<[n], i32>
// CHECK:         %h = relax.call_tir @bitwise_or(%g, %i) : !relax.tensor<[n], i32>
// CHECK:         %j = relax.call_tir @bitwise_xor(%h, %i) : !relax.tensor<[n], i32>
// CHECK:         %k = relax.call_tir @bitwise_not(%j) : !relax.tensor<[n], i32>
// CHECK:         %l = relax.call_tir @trunc_divide(%k, %i) : !relax.tensor<[n], i32>
// CHECK:         %m = relax.call_tir @floor_mod(%l, %i) : !relax.tensor<[n], i32>
// CHECK:         %o = relax.call_tir @trunc_mod(%m, %i) : !relax.tensor<[n], i32>
// CHECK-LABEL: relax.func @sequences
// CHECK:         %s = relax.call_tir @symbolic_tensor() sym [n] : !relax.tensor<[2], i64>
// CHECK:         %r = relax.call_tir @arange() sym [n] : !relax.tensor<[(n + 1) floordiv 2], i64>
// CHECK:         %f = relax.call_tir @arange1() : !relax.tensor<[3], f32>
// CHECK:         %c = relax.call_tir @cumsum(%x) : !relax.tensor<[n, 6], f32>
// CHECK:         %t, %t_1 = relax.call_tir @topk(%c) : (!relax.tensor<[n, 2], f32>, !relax.tensor<[n, 2], i64>)
// CHECK-LABEL: relax.func @gathers
// CHECK:         %a = relax.call_tir @gather_elements(%x, %i) : !relax.tensor<[n, 2], f32>
// CHECK:         %b = relax.call_tir @gather_nd(%x, %j) : !relax.tensor<[3, 5], f32>
// CHECK:         %c = relax.call_tir @scatter_elements(%x, %i, %u) : !relax.tensor<[n, 5], f32>
// CHECK:         %d = relax.call_tir @scatter_nd(%c, %j, %v) : !relax.tensor<[n, 5], f32>
// CHECK-LABEL: relax.func @windows
// CHECK:         %a = relax.call_tir @conv3d(%x, %k) : !relax.tensor<[n, 4, d, h, w], f32>
// CHECK:         %b = relax.call_tir @max_pool3d(%a) : !relax.tensor<[n, 4, (d - 2) floordiv 2 + 1, (h - 2) floordiv 2 + 1, (w - 2) floordiv 2 + 1], f32>
// CHECK:         %c = relax.call_tir @avg_pool3d(%a) : !relax.tensor<[n, 4, d, h, w], f32>
// CHECK:         %t = relax.call_tir @conv2d_transpose(%y, %kt) : !relax.tensor<[n, 3, h * 2 - 1, w * 2 - 1], f32>
// CHECK-LABEL: relax.func @images
// CHECK:         %a = relax.call_tir @group_norm(%x, %g, %g) : !relax.tensor<[n, 4, h, w], f32>
// CHECK:         %b = relax.call_tir @instance_norm(%a, %g, %g) : !relax.tensor<[n, 4, h, w], f32>
// CHECK:         %c = relax.call_tir @lrn(%b) : !relax.tensor<[n, 4, h, w], f32>
// CHECK:         %d = relax.call_tir @rms_norm(%c, %s) : !relax.tensor<[n, 4, h, w], f32>
// CHECK:         %e = relax.call_tir @resize(%d) : !relax.tensor<[n, 4, h * 2, w * 2], f32>
// CHECK-LABEL: relax.func @products
// CHECK:         %e = relax.call_tir @einsum(%a, %c) : !relax.tensor<[b, m, n], f32>
// CHECK-LABEL: tir.func @symbolic_tensor(%T_symbolic_tensor: !tir.buffer<[2], i64>) sym(n)
// CHECK:         %n = tir.expr n : index
// CHECK:         tir.expr n * 6 : index
// CHECK:         arith.select

relax.func @activations(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 4], f32> {
  %0 = relax.dataflow {
    %a = relax.leaky_relu %x {alpha = 0.1} : !relax.tensor<[n, 4], f32>
    %b = relax.elu %a : !relax.tensor<[n, 4], f32>
    %c = relax.selu %b : !relax.tensor<[n, 4], f32>
    %d = relax.celu %c {alpha = 2.0} : !relax.tensor<[n, 4], f32>
    %e = relax.hard_sigmoid %d : !relax.tensor<[n, 4], f32>
    %f = relax.hard_swish %e : !relax.tensor<[n, 4], f32>
    %g = relax.softplus %f : !relax.tensor<[n, 4], f32>
    %h = relax.softsign %g : !relax.tensor<[n, 4], f32>
    %i = relax.mish %h : !relax.tensor<[n, 4], f32>
    %j = relax.thresholded_relu %i : !relax.tensor<[n, 4], f32>
    %k = relax.shrink %j {lambd = 1.5} : !relax.tensor<[n, 4], f32>
    %l = relax.sin %k : !relax.tensor<[n, 4], f32>
    %m = relax.atanh %l : !relax.tensor<[n, 4], f32>
    %s = relax.sign %m : !relax.tensor<[n, 4], f32>
    relax.output %s : !relax.tensor<[n, 4], f32>
  }
  relax.return %0 : !relax.tensor<[n, 4], f32>
}

relax.func @logic(%x: !relax.tensor<[n], f32>, %p: !relax.tensor<[n], i1>, %i: !relax.tensor<[n], i32>) -> !relax.tensor<[n], i32> {
  %0 = relax.dataflow {
    %a = relax.isnan %x : !relax.tensor<[n], i1>
    %b = relax.isinf %x {detect_negative = false} : !relax.tensor<[n], i1>
    %c = relax.logical_and %a, %p : !relax.tensor<[n], i1>
    %d = relax.logical_or %c, %b : !relax.tensor<[n], i1>
    %e = relax.logical_xor %d, %p : !relax.tensor<[n], i1>
    %f = relax.logical_not %e : !relax.tensor<[n], i1>
    %g = relax.bitwise_and %i, %i : !relax.tensor<[n], i32>
    %h = relax.bitwise_or %g, %i : !relax.tensor<[n], i32>
    %j = relax.bitwise_xor %h, %i : !relax.tensor<[n], i32>
    %k = relax.bitwise_not %j : !relax.tensor<[n], i32>
    %l = relax.trunc_divide %k, %i : !relax.tensor<[n], i32>
    %m = relax.floor_mod %l, %i : !relax.tensor<[n], i32>
    %o = relax.trunc_mod %m, %i : !relax.tensor<[n], i32>
    relax.output %o : !relax.tensor<[n], i32>
  }
  relax.return %0 : !relax.tensor<[n], i32>
}

relax.func @sequences(%x: !relax.tensor<[n, 6], f32>) -> !relax.tensor<[n, 2], i64> {
  %0 = relax.dataflow {
    %s = relax.symbolic_tensor {values = [#tir.expr<n>, #tir.expr<n * 6>]} : !relax.tensor<[2], i64>
    %r = relax.arange {end = #tir.expr<n>, step = 2 : i64} : !relax.tensor<[(n + 1) floordiv 2], i64>
    %f = relax.arange {start = 0.5, end = 2.0, step = 0.5, dtype = "f32"} : !relax.tensor<[3], f32>
    %c = relax.cumsum %x {axis = 1, exclusive = true} : !relax.tensor<[n, 6], f32>
    %t = relax.topk %c {k = 2 : i64} : !relax.tuple<!relax.tensor<[n, 2], f32>, !relax.tensor<[n, 2], i64>>
    %i = relax.get_item %t[1]
    relax.output %i : !relax.tensor<[n, 2], i64>
  }
  relax.return %0 : !relax.tensor<[n, 2], i64>
}

relax.func @gathers(%x: !relax.tensor<[n, 5], f32>, %i: !relax.tensor<[n, 2], i64>, %u: !relax.tensor<[n, 2], f32>, %j: !relax.tensor<[3, 1], i64>, %v: !relax.tensor<[3, 5], f32>) -> !relax.tensor<[n, 5], f32> {
  %0 = relax.dataflow {
    %a = relax.gather_elements %x, %i {axis = 1} : !relax.tensor<[n, 2], f32>
    %b = relax.gather_nd %x, %j : !relax.tensor<[3, 5], f32>
    %c = relax.scatter_elements %x, %i, %u {axis = 1, reduction = "add"} : !relax.tensor<[n, 5], f32>
    %d = relax.scatter_nd %c, %j, %v : !relax.tensor<[n, 5], f32>
    relax.output %d : !relax.tensor<[n, 5], f32>
  }
  relax.return %0 : !relax.tensor<[n, 5], f32>
}

relax.func @windows(%x: !relax.tensor<[n, 2, d, h, w], f32>, %k: !relax.tensor<[4, 2, 3, 3, 3], f32>, %y: !relax.tensor<[n, 4, h, w], f32>, %kt: !relax.tensor<[4, 3, 3, 3], f32>) -> !relax.tensor<[n, 3, h * 2 - 1, w * 2 - 1], f32> {
  %0 = relax.dataflow {
    %a = relax.conv3d %x, %k {padding = [1, 1, 1, 1, 1, 1]} : !relax.tensor<[n, 4, d, h, w], f32>
    %b = relax.max_pool3d %a {pool_size = [2, 2, 2], strides = [2, 2, 2]} : !relax.tensor<[n, 4, (d - 2) floordiv 2 + 1, (h - 2) floordiv 2 + 1, (w - 2) floordiv 2 + 1], f32>
    %c = relax.avg_pool3d %a {pool_size = [3, 3, 3], padding = [1, 1, 1, 1, 1, 1]} : !relax.tensor<[n, 4, d, h, w], f32>
    %t = relax.conv2d_transpose %y, %kt {strides = [2, 2], padding = [1, 1, 1, 1]} : !relax.tensor<[n, 3, h * 2 - 1, w * 2 - 1], f32>
    relax.output %t : !relax.tensor<[n, 3, h * 2 - 1, w * 2 - 1], f32>
  }
  relax.return %0 : !relax.tensor<[n, 3, h * 2 - 1, w * 2 - 1], f32>
}

relax.func @images(%x: !relax.tensor<[n, 4, h, w], f32>, %g: !relax.tensor<[4], f32>, %s: !relax.tensor<[1, w], f32>) -> !relax.tensor<[n, 4, h * 2, w * 2], f32> {
  %0 = relax.dataflow {
    %a = relax.group_norm %x, %g, %g {num_groups = 2} : !relax.tensor<[n, 4, h, w], f32>
    %b = relax.instance_norm %a, %g, %g : !relax.tensor<[n, 4, h, w], f32>
    %c = relax.lrn %b {size = 3} : !relax.tensor<[n, 4, h, w], f32>
    %d = relax.rms_norm %c, %s {axes = [-2, -1]} : !relax.tensor<[n, 4, h, w], f32>
    %e = relax.resize %d {sizes = [#tir.expr<n>, 4, #tir.expr<h * 2>, #tir.expr<w * 2>], mode = "linear"} : !relax.tensor<[n, 4, h * 2, w * 2], f32>
    relax.output %e : !relax.tensor<[n, 4, h * 2, w * 2], f32>
  }
  relax.return %0 : !relax.tensor<[n, 4, h * 2, w * 2], f32>
}

relax.func @products(%a: !relax.tensor<[b, n, k], f32>, %c: !relax.tensor<[k, m], f32>) -> !relax.tensor<[b, m, n], f32> {
  %0 = relax.dataflow {
    %e = relax.einsum %a, %c {subscripts = "bnk,km->bmn"} : !relax.tensor<[b, m, n], f32>
    relax.output %e : !relax.tensor<[b, m, n], f32>
  }
  relax.return %0 : !relax.tensor<[b, m, n], f32>
}
