// RUN: relax-opt %s | relax-opt | filecheck %s --check-prefix=ROUND
// RUN: relax-opt %s -p legalize-ops | filecheck %s

// Pooling with ceil_mode = true: the output size rounds up (a last window is
// kept only if it starts inside the input or its left padding), and window
// elements past the end of the padded input are left out: max skips them,
// avg does not count them (with count_include_pad, it counts the padding).

// ROUND-LABEL: relax.func @max_static
// ROUND:         relax.max_pool2d %x {pool_size = [3 : i64, 3 : i64], strides = [2 : i64, 2 : i64], ceil_mode = true} : !relax.tensor<[1, 2, 3, 3], f32>
// ROUND-LABEL: relax.func @avg_sym
// ROUND:         relax.avg_pool2d %x {{.*}}ceil_mode = true, count_include_pad = true} : !relax.tensor<[n, c, h floordiv 2 + 1, w floordiv 2 + 1], f32>
// ROUND-LABEL: relax.func @starts_inside
// ROUND:         relax.max_pool2d %x {{.*}} : !relax.tensor<[n, c, (h - 1) floordiv 3 + 1, (w - 1) floordiv 3 + 1], f32>

// CHECK-LABEL: relax.func @max_static
// CHECK:         relax.call_tir @max_pool2d(%x) : !relax.tensor<[1, 2, 3, 3], f32>

// 6 rows give 3 windows of 3 (the last one over rows 4, 5 and one past the end):
// rows are guarded, columns (7 = 3 windows exactly) are not.
// CHECK:       tir.func @max_pool2d(%x0: !tir.buffer<[1, 2, 6, 7], f32>, %pool_max: !tir.buffer<[1, 2, 3, 3], f32>)
// CHECK:         %[[ROW:.*]] = arith.addi %{{.*}}, %vry : index
// CHECK:         %[[SIX:.*]] = arith.constant 6 : index
// CHECK:         %[[IN:.*]] = arith.cmpi slt, %[[ROW]], %[[SIX]] : index
// CHECK-NOT:     arith.cmpi
// CHECK:         %[[X:.*]] = tir.load %x0
// CHECK:         %[[NEG:.*]] = arith.constant 0xff800000 : f32
// CHECK:         arith.select %[[IN]], %[[X]], %[[NEG]] : f32
// CHECK:         arith.maximumf

// count_include_pad: the divisor counts the elements before h + 1 (the input
// and its bottom padding), per output position.
// CHECK:       tir.func @avg_pool2d(
// CHECK:         tir.block "pool_count"
// CHECK:           %[[LIMIT:.*]] = tir.expr h + 1 : index
// CHECK:           arith.cmpi slt, %{{.*}}, %[[LIMIT]] : index
// CHECK:           %[[WLIMIT:.*]] = tir.expr w + 1 : index
// CHECK:           arith.cmpi slt, %{{.*}}, %[[WLIMIT]] : index
// CHECK:         tir.block "pool_avg"
// CHECK:           arith.divf

relax.func @max_static(%x: !relax.tensor<[1, 2, 6, 7], f32>) -> !relax.tensor<[1, 2, 3, 3], f32> {
  %y = relax.max_pool2d %x {pool_size = [3, 3], strides = [2, 2], ceil_mode = true} : !relax.tensor<[1, 2, 3, 3], f32>
  relax.return %y : !relax.tensor<[1, 2, 3, 3], f32>
}
relax.func @avg_sym(%x: !relax.tensor<[n, c, h, w], f32>) -> !relax.tensor<[n, c, h floordiv 2 + 1, w floordiv 2 + 1], f32> {
  %y = relax.avg_pool2d %x {pool_size = [3, 3], strides = [2, 2], padding = [1, 1], ceil_mode = true, count_include_pad = true} : !relax.tensor<[n, c, h floordiv 2 + 1, w floordiv 2 + 1], f32>
  relax.return %y : !relax.tensor<[n, c, h floordiv 2 + 1, w floordiv 2 + 1], f32>
}
// a 2-window of stride 3: 4 rows give 2 windows (rows 0-1 and 3-4), 3 rows one
relax.func @starts_inside(%x: !relax.tensor<[n, c, h, w], f32>) -> !relax.tensor<[n, c, (h - 1) floordiv 3 + 1, (w - 1) floordiv 3 + 1], f32> {
  %y = relax.max_pool2d %x {pool_size = 2, strides = 3, ceil_mode = true} : !relax.tensor<[n, c, (h - 1) floordiv 3 + 1, (w - 1) floordiv 3 + 1], f32>
  relax.return %y : !relax.tensor<[n, c, (h - 1) floordiv 3 + 1, (w - 1) floordiv 3 + 1], f32>
}
