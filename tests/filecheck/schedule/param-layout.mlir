// transform_layout of a kernel parameter: the callers follow. The schedule
// packs the weight of a dense kernel into panels of 16 output columns
// (N = 40 does not divide: padded with 0) and blocks its output the same way;
// apply-schedule then transforms the weight before every call and the result
// back after it, cut to its shape.
// RUN: relax-opt %s -p apply-schedule | filecheck %s
// RUN: relax-opt %s -p apply-schedule,legalize-ops,fold-constant,relax-dce | filecheck %s --check-prefix=FOLD

// CHECK-LABEL: tir.func @dense(%X: !tir.buffer<[n, 8], f32>, %W: !tir.buffer<[3, 8, 16], f32>, %Y: !tir.buffer<[n, 3, 16], f32>) {
// CHECK-LABEL: relax.func @main
// CHECK:         %[[W:.*]] = relax.layout_transform %w {index_map = affine_map<(d0, d1) -> ((d0 floordiv 16), d1, (d0 mod 16))>, pad_value = 0.000000e+00 : f64} : !relax.tensor<[3, 8, 16], f32>
// CHECK:         %[[Y:.*]] = relax.call_tir @dense(%x, %[[W]]) : !relax.tensor<[n, 3, 16], f32>
// CHECK:         %[[B:.*]] = relax.layout_transform %[[Y]] {index_map = affine_map<(d0, d1, d2) -> (d0, ((d1 * 16) + d2))>} : !relax.tensor<[n, 48], f32>
// CHECK:         relax.strided_slice %[[B]] {axes = [1 : i64], begin = [0 : i64], end = [#tir.expr<40>]} : !relax.tensor<[n, 40], f32>
// FOLD-LABEL: relax.func @main
// FOLD:         relax.constant {{.*}} : tensor<3x8x16xf32>
// FOLD-NOT:     relax.call_tir @layout_transform(%w
tir.func @dense(%X: !tir.buffer<[n, 8], f32>, %W: !tir.buffer<[40, 8], f32>, %Y: !tir.buffer<[n, 40], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 0 to 40 {
      tir.for %k = 0 to 8 {
        tir.block "Y" (%vi = spatial[n] %i, %vj = spatial[40] %j, %vk = reduce[8] %k) {
          tir.init {
            %z = arith.constant 0.0 : f32
            tir.store %z, %Y[%vi, %vj] : f32
          }
          %a = tir.load %X[%vi, %vk] : f32
          %b = tir.load %W[%vj, %vk] : f32
          %acc = tir.load %Y[%vi, %vj] : f32
          %p = arith.mulf %a, %b : f32
          %s = arith.addf %acc, %p : f32
          tir.store %s, %Y[%vi, %vj] : f32
        }
      }
    }
  }
}
relax.func @main(%x: !relax.tensor<[n, 8], f32>) -> !relax.tensor<[n, 40], f32> {
  %out = relax.dataflow {
    %w = relax.constant dense<0.5> : tensor<40x8xf32>
    %y = relax.call_tir @dense(%x, %w) : !relax.tensor<[n, 40], f32>
    relax.output %y : !relax.tensor<[n, 40], f32>
  }
  relax.return %out : !relax.tensor<[n, 40], f32>
}
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %b = sched.get_block {name = "Y"}
  sched.transform_layout %b {buffer = ["read", 1], index_map = affine_map<(d0, d1) -> (d0 floordiv 16, d1, d0 mod 16)>, pad_value = 0.0 : f64}
  sched.transform_layout %b {buffer = ["write", 0], index_map = affine_map<(d0, d1) -> (d0, d1 floordiv 16, d1 mod 16)>}
  transform.yield
}
