// follow-param-layouts: a kernel whose parameter a schedule gave a new
// layout records the map (`tir.param_layouts`: index -> [map from the
// callers' layout, the callers' buffer type, pad value]); the pass
// transforms the arguments at every call and drops the record.
// RUN: relax-opt %s --split-input-file -p follow-param-layouts | filecheck %s
// RUN: relax-opt %s --split-input-file -p default-pipeline | filecheck %s --check-prefix=PIPE

// CHECK-LABEL: tir.func @scale(%X: !tir.buffer<[(n + 3) floordiv 4, 4], f32>, %Y: !tir.buffer<[n], f32>) {
// CHECK-LABEL: relax.func @main
// CHECK:         %[[T:.*]] = relax.layout_transform %x {index_map = affine_map<(d0) -> ((d0 floordiv 4), (d0 mod 4))>, pad_value = 1.000000e+00 : f64} : !relax.tensor<[(n + 3) floordiv 4, 4], f32>
// CHECK:         relax.call_tir @scale(%[[T]]) : !relax.tensor<[n], f32>
// default-pipeline runs it first: the transform is then fused with the kernel.
// PIPE-NOT:     tir.param_layouts
// PIPE:         relax.call_kernel @fused_layout_transform_scale(%x)
tir.func @scale(%X: !tir.buffer<[(n + 3) floordiv 4, 4], f32>, %Y: !tir.buffer<[n], f32>) attributes {tir.param_layouts = {"0" = [affine_map<(d0) -> (d0 floordiv 4, d0 mod 4)>, !tir.buffer<[n], f32>, 1.0 : f64]}} {
  tir.for %i = 0 to n {
    tir.block "Y" (%vi = spatial[n] %i) {
      %c4 = arith.constant 4 : index
      %q = arith.floordivsi %vi, %c4 : index
      %r = arith.remsi %vi, %c4 : index
      %x = tir.load %X[%q, %r] : f32
      tir.store %x, %Y[%vi] : f32
    }
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %y = relax.call_tir @scale(%x) : !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}

