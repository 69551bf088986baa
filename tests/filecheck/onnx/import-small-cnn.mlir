// RUN: relax-import-onnx %S/../../../examples/onnx/small_cnn.onnx | filecheck %s
// RUN: relax-import-onnx %S/../../../examples/onnx/small_cnn.onnx | relax-opt -p legalize-ops | filecheck %s --check-prefix=LEGAL

// The example model (examples/onnx/make_small_cnn.py): the dim_params N, H, W
// stay symbolic through the windows, Reshape to Concat(Shape(x)[0:1], [-1]) is
// the symbolic shape [N, -1] (= [N, 16]), Gemm with transB is relax.linear,
// and the weights are resource blobs; the printed IR parses back.

// CHECK:       relax.func @main(%image: !relax.tensor<[N, 3, H, W], f32>) -> !relax.tensor<[N, 10], f32> {
// CHECK:         %conv1_w = relax.constant dense_resource<conv1_w> : tensor<8x3x3x3xf32>
// CHECK:         relax.conv2d %image, %conv1_w {strides = [1 : i64, 1 : i64], padding = [1 : i64, 1 : i64, 1 : i64, 1 : i64], dilation = [1 : i64, 1 : i64], groups = 1 : i64} : !relax.tensor<[N, 8, H, W], f32>
// CHECK:         relax.max_pool2d {{.*}} : !relax.tensor<[N, 8, (H - 2) floordiv 2 + 1, (W - 2) floordiv 2 + 1], f32>
// CHECK:         relax.hard_swish
// CHECK:         relax.global_avg_pool2d {{.*}} : !relax.tensor<[N, 16, 1, 1], f32>
// CHECK:         relax.reshape {{.*}} {shape = [#tir.expr<N>, #tir.expr<-1>]} : !relax.tensor<[N, 16], f32>
// CHECK:         relax.linear {{.*}} : !relax.tensor<[N, 10], f32>
// CHECK:         relax.softmax {{.*}} {axis = 1 : i64} : !relax.tensor<[N, 10], f32>
// CHECK:       dialect_resources: {
// CHECK:         conv1_w: "0x04000000

// LEGAL:       relax.call_tir @conv2d(%image, %conv1_w) : !relax.tensor<[N, 8, H, W], f32>
// LEGAL:       relax.call_tir @linear
