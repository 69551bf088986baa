// RUN: relax-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Type inference errors of the nn ops.

relax.func @conv_channels(%x: !relax.tensor<[n, 4, 8, 8], f32>, %w: !relax.tensor<[6, 3, 3, 3], f32>) -> !relax.tensor<[n, 6, 6, 6], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.conv2d: the data has C channels but the weight expects I * groups (groups = 1): 4 vs 3 (they differ; use relax.match_cast to assert a shape)
  %y = relax.conv2d %x, %w : !relax.tensor<[n, 6, 6, 6], f32>
  relax.return %y : !relax.tensor<[n, 6, 6, 6], f32>
}

// -----

relax.func @conv_symbolic_channels(%x: !relax.tensor<[n, c, 8, 8], f32>, %w: !relax.tensor<[6, 2, 3, 3], f32>) -> !relax.tensor<[n, 6, 6, 6], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.conv2d: the data has C channels but the weight expects I * groups (groups = 2): c vs 4 (they are not provably equal; use relax.match_cast to assert a shape)
  %y = relax.conv2d %x, %w {groups = 2} : !relax.tensor<[n, 6, 6, 6], f32>
  relax.return %y : !relax.tensor<[n, 6, 6, 6], f32>
}

// -----

relax.func @conv_groups(%x: !relax.tensor<[1, 4, 8, 8], f32>, %w: !relax.tensor<[5, 2, 3, 3], f32>) -> !relax.tensor<[1, 5, 6, 6], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.conv2d: the weight's output channels (5) are not divisible by groups = 2
  %y = relax.conv2d %x, %w {groups = 2} : !relax.tensor<[1, 5, 6, 6], f32>
  relax.return %y : !relax.tensor<[1, 5, 6, 6], f32>
}

// -----

relax.func @conv_too_small(%x: !relax.tensor<[1, 4, 8, 2], f32>, %w: !relax.tensor<[6, 4, 3, 3], f32>) -> !relax.tensor<[1, 6, 6, 1], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.conv2d: the padded input width (2) is smaller than the dilated window (3)
  %y = relax.conv2d %x, %w : !relax.tensor<[1, 6, 6, 1], f32>
  relax.return %y : !relax.tensor<[1, 6, 6, 1], f32>
}

// -----

relax.func @conv_rank(%x: !relax.tensor<[4, 8, 8], f32>, %w: !relax.tensor<[6, 4, 3, 3], f32>) -> !relax.tensor<[6, 6, 6], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.conv2d: the data must be 4-D (NCHW), got rank 3
  %y = relax.conv2d %x, %w : !relax.tensor<[6, 6, 6], f32>
  relax.return %y : !relax.tensor<[6, 6, 6], f32>
}

// -----

relax.func @conv_strides(%x: !relax.tensor<[1, 4, 8, 8], f32>, %w: !relax.tensor<[6, 4, 3, 3], f32>) -> !relax.tensor<[1, 6, 6, 6], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.conv2d: strides must be >= 1, got [1, 0]
  %y = relax.conv2d %x, %w {strides = [1, 0]} : !relax.tensor<[1, 6, 6, 6], f32>
  relax.return %y : !relax.tensor<[1, 6, 6, 6], f32>
}

// -----

relax.func @conv_padding(%x: !relax.tensor<[1, 4, 8, 8], f32>, %w: !relax.tensor<[6, 4, 3, 3], f32>) -> !relax.tensor<[1, 6, 6, 6], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.conv2d: padding must be a list of 1 or 2 or 4 integers, got [1, 1, 1]
  %y = relax.conv2d %x, %w {padding = [1, 1, 1]} : !relax.tensor<[1, 6, 6, 6], f32>
  relax.return %y : !relax.tensor<[1, 6, 6, 6], f32>
}

// -----

relax.func @conv_dtype(%x: !relax.tensor<[1, 4, 8, 8], f32>, %w: !relax.tensor<[6, 4, 3, 3], f16>) -> !relax.tensor<[1, 6, 6, 6], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.conv2d: the weight has dtype f16 but the data has f32 (use relax.cast)
  %y = relax.conv2d %x, %w : !relax.tensor<[1, 6, 6, 6], f32>
  relax.return %y : !relax.tensor<[1, 6, 6, 6], f32>
}

// -----

relax.func @conv_wrong_result(%x: !relax.tensor<[n, 4, h, w], f32>, %wt: !relax.tensor<[6, 4, 3, 3], f32>) -> !relax.tensor<[n, 6, h, w], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.conv2d: the result type !relax.tensor<[n, 6, h, w], f32> does not match the inferred type !relax.tensor<[n, 6, h - 2, w - 2], f32>
  %y = relax.conv2d %x, %wt : !relax.tensor<[n, 6, h, w], f32>
  relax.return %y : !relax.tensor<[n, 6, h, w], f32>
}

// -----

// with ceil_mode, 7 rows pooled by 2 (stride 2) give 4 rows, not 3
relax.func @ceil_mode(%x: !relax.tensor<[1, 4, 7, 7], f32>) -> !relax.tensor<[1, 4, 3, 3], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.max_pool2d: the result type !relax.tensor<[1, 4, 3, 3], f32> does not match the inferred type !relax.tensor<[1, 4, 4, 4], f32>
  %y = relax.max_pool2d %x {pool_size = 2, strides = 2, ceil_mode = true} : !relax.tensor<[1, 4, 3, 3], f32>
  relax.return %y : !relax.tensor<[1, 4, 3, 3], f32>
}

// -----

relax.func @ceil_mode_flag(%x: !relax.tensor<[1, 4, 8, 8], f32>) -> !relax.tensor<[1, 4, 4, 4], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.max_pool2d: ceil_mode must be true or false, got 1
  %y = relax.max_pool2d %x {pool_size = 2, strides = 2, ceil_mode = 1} : !relax.tensor<[1, 4, 4, 4], f32>
  relax.return %y : !relax.tensor<[1, 4, 4, 4], f32>
}

// -----

relax.func @pool_strides_type(%x: !relax.tensor<[1, 4, 8, 8], f32>) -> !relax.tensor<[1, 4, 4, 4], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.max_pool2d: strides must be a list of 1 or 2 integers, got two
  %y = relax.max_pool2d %x {pool_size = 2, strides = "two"} : !relax.tensor<[1, 4, 4, 4], f32>
  relax.return %y : !relax.tensor<[1, 4, 4, 4], f32>
}

// -----

relax.func @avg_int(%x: !relax.tensor<[1, 4, 8, 8], i32>) -> !relax.tensor<[1, 4, 4, 4], i32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.avg_pool2d: needs a float dtype, got i32 (use relax.cast)
  %y = relax.avg_pool2d %x {pool_size = 2, strides = 2} : !relax.tensor<[1, 4, 4, 4], i32>
  relax.return %y : !relax.tensor<[1, 4, 4, 4], i32>
}

// -----

relax.func @adaptive_size(%x: !relax.tensor<[1, 4, 8, 8], f32>) -> !relax.tensor<[1, 4, 0, 2], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.adaptive_avg_pool2d: output_size must be >= 1, got [0, 2]
  %y = relax.adaptive_avg_pool2d %x {output_size = [0, 2]} : !relax.tensor<[1, 4, 0, 2], f32>
  relax.return %y : !relax.tensor<[1, 4, 0, 2], f32>
}

// -----

relax.func @softmax_axis(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 4], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.softmax: axis -3 is out of range for rank 2
  %y = relax.softmax %x {axis = -3} : !relax.tensor<[n, 4], f32>
  relax.return %y : !relax.tensor<[n, 4], f32>
}

// -----

relax.func @log_softmax_int(%x: !relax.tensor<[n, 4], i64>) -> !relax.tensor<[n, 4], i64> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.log_softmax: needs a float dtype, got i64 (use relax.cast)
  %y = relax.log_softmax %x : !relax.tensor<[n, 4], i64>
  relax.return %y : !relax.tensor<[n, 4], i64>
}

// -----

relax.func @layer_norm_gamma(%x: !relax.tensor<[n, 3, 4], f32>, %g: !relax.tensor<[4, 3], f32>) -> !relax.tensor<[n, 3, 4], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.layer_norm: gamma must have the shape of x at axes [1, 2]: 3 vs 4 (they differ; use relax.match_cast to assert a shape)
  %y = relax.layer_norm %x, %g, %g {axes = [-2, -1]} : !relax.tensor<[n, 3, 4], f32>
  relax.return %y : !relax.tensor<[n, 3, 4], f32>
}

// -----

relax.func @layer_norm_axes(%x: !relax.tensor<[n, 4], f32>, %g: !relax.tensor<[4], f32>) -> !relax.tensor<[n, 4], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.layer_norm: axes [1, -1] repeat an axis
  %y = relax.layer_norm %x, %g, %g {axes = [1, -1]} : !relax.tensor<[n, 4], f32>
  relax.return %y : !relax.tensor<[n, 4], f32>
}

// -----

relax.func @batch_norm_stats(%x: !relax.tensor<[n, 3, h, w], f32>, %g: !relax.tensor<[3], f32>, %v: !relax.tensor<[4], f32>) -> !relax.tensor<[n, 3, h, w], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.batch_norm: moving_var must have the size of x's axis 1: 3 vs 4 (they differ; use relax.match_cast to assert a shape)
  %y = relax.batch_norm %x, %g, %g, %g, %v : !relax.tensor<[n, 3, h, w], f32>
  relax.return %y : !relax.tensor<[n, 3, h, w], f32>
}

// -----

relax.func @dropout_rate(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 4], f32> {
  // CHECK: {{.*}}nn-errors.mlir:[[# @LINE + 1]]:3: error: relax.dropout: rate must be a number in [0, 1), got 1.5
  %y = relax.dropout %x {rate = 1.5} : !relax.tensor<[n, 4], f32>
  relax.return %y : !relax.tensor<[n, 4], f32>
}
