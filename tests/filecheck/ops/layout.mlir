// relax.layout_transform: type inference (static, symbolic, padded) and legalization.
// RUN: relax-opt %s --split-input-file | filecheck %s
// RUN: relax-opt %s --split-input-file -p legalize-ops | filecheck %s --check-prefix=LEGAL

// NCHW -> NCHW16c with 40 channels: the block does not divide, so the new
// channel-block dim is 3 and the padding holds 0; h and w stay symbolic.
// The legalized kernel gathers through the inverse map (c = c0 * 16 + c1) and
// selects the pad value outside x.
// CHECK-LABEL: relax.func @blocked
// CHECK:         relax.layout_transform %x {index_map = affine_map<(d0, d1, d2, d3) -> (d0, (d1 floordiv 16), d2, d3, (d1 mod 16))>, pad_value = {{.*}}} : !relax.tensor<[2, 3, h, w, 16], f32>
// LEGAL-LABEL: relax.func @blocked
// LEGAL:         relax.call_tir @layout_transform(%x) : !relax.tensor<[2, 3, h, w, 16], f32>
// LEGAL:       tir.func @layout_transform(%x0: !tir.buffer<[2, 40, h, w], f32>, %T_layout_trans: !tir.buffer<[2, 3, h, w, 16], f32>)
// LEGAL:         %[[C0:.*]] = arith.muli %vi1, %{{.*}} : index
// LEGAL:         %[[C:.*]] = arith.addi %[[C0]], %vi4 : index
// LEGAL:         %[[IN:.*]] = arith.cmpi slt, %[[C]], %{{.*}} : index
// LEGAL:         arith.select %[[IN]], %{{.*}}, %{{.*}} : f32
// LEGAL:         tir.store %{{.*}}, %T_layout_trans[%vi0, %vi1, %vi2, %vi3, %vi4] : f32
relax.func @blocked(%x: !relax.tensor<[2, 40, h, w], f32>) -> !relax.tensor<[2, 3, h, w, 16], f32> {
  %y = relax.layout_transform %x {index_map = affine_map<(d0, d1, d2, d3) -> (d0, d1 floordiv 16, d2, d3, d1 mod 16)>, pad_value = -1.0 : f64} : !relax.tensor<[2, 3, h, w, 16], f32>
  relax.return %y : !relax.tensor<[2, 3, h, w, 16], f32>
}

// -----

// A symbolic channel count: the block count is (c + 15) floordiv 16.
// CHECK-LABEL: relax.func @symbolic
// CHECK:         !relax.tensor<[(c + 15) floordiv 16, 16], f32>
relax.func @symbolic(%x: !relax.tensor<[c], f32>) -> !relax.tensor<[(c + 15) floordiv 16, 16], f32> {
  %y = relax.layout_transform %x {index_map = affine_map<(d0) -> (d0 floordiv 16, d0 mod 16)>} : !relax.tensor<[(c + 15) floordiv 16, 16], f32>
  relax.return %y : !relax.tensor<[(c + 15) floordiv 16, 16], f32>
}

// -----

// The inverse direction, a row-major merge: NCHW16c -> NCHW (the gather
// splits the merged index with floordiv and mod).
// CHECK-LABEL: relax.func @merge
// CHECK:         : !relax.tensor<[1, 32, 4, 4], f32>
// LEGAL-LABEL: relax.func @merge
// LEGAL:         arith.floordivsi %vi1, %{{.*}} : index
// LEGAL:         tir.load %x0[%vi0, %{{.*}}, %vi2, %vi3, %{{.*}}] : f32
relax.func @merge(%x: !relax.tensor<[1, 2, 4, 4, 16], f32>) -> !relax.tensor<[1, 32, 4, 4], f32> {
  %y = relax.layout_transform %x {index_map = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 * 16 + d4, d2, d3)>} : !relax.tensor<[1, 32, 4, 4], f32>
  relax.return %y : !relax.tensor<[1, 32, 4, 4], f32>
}

// -----

// A permutation is a layout too (what rewrite-layout inserts for NHWC).
// CHECK-LABEL: relax.func @nhwc
// CHECK:         : !relax.tensor<[1, 5, 6, 3], f32>
// LEGAL-LABEL: relax.func @nhwc
// LEGAL:         tir.load %x0[%vi0, %vi3, %vi1, %vi2] : f32
relax.func @nhwc(%x: !relax.tensor<[1, 3, 5, 6], f32>) -> !relax.tensor<[1, 5, 6, 3], f32> {
  %y = relax.layout_transform %x {index_map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>} : !relax.tensor<[1, 5, 6, 3], f32>
  relax.return %y : !relax.tensor<[1, 5, 6, 3], f32>
}
