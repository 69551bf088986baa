// rewrite-layout: a kernel's contraction chooses the layout of its operands
// and the callers provide it; with fold-constant, a constant weight is
// permuted once, at compile time (relax.layout_transform with a permutation
// map, folded into a new constant).
// RUN: relax-opt %s --split-input-file -p 'legalize-ops,annotate-op-pattern,fuse-ops,fuse-tir,rewrite-layout{target=avx512}' | filecheck %s
// RUN: relax-opt %s --split-input-file -p 'legalize-ops,rewrite-layout{target=avx512},legalize-ops,fold-constant,relax-dce' | filecheck %s --check-prefix=FOLD
// RUN: relax-opt %s --split-input-file -p 'default-pipeline{target=avx512 layout=false}' | filecheck %s --check-prefix=OFF

// x @ W^T with a constant W [3, 4]: the kernel wants W as [4, 3] (the output
// columns become the vector lanes); folded, the weight is a transposed constant.
// CHECK-LABEL: relax.func @linear
// CHECK:         %[[P:.*]] = relax.layout_transform %w {index_map = affine_map<(d0, d1) -> (d1, d0)>} : !relax.tensor<[4, 3], f32>
// CHECK:         relax.call_tir @linear{{.*}}(%x, %[[P]])
// CHECK:       tir.func @linear{{.*}}(%x0: !tir.buffer<[n, 4], f32>, %x1: !tir.buffer<[4, 3], f32>, %{{.*}}: !tir.buffer<[n, 3], f32>)
// CHECK:         tir.load %x1[%vk, %vi1] : f32
// FOLD-LABEL: relax.func @linear
// FOLD:         %{{.*}} = relax.constant dense<{{\[\[}}1.000000e+00, 5.000000e+00, 9.000000e+00], [2.000000e+00, 6.000000e+00, 1.000000e+01], [3.000000e+00, 7.000000e+00, 1.100000e+01], [4.000000e+00, 8.000000e+00, 1.200000e+01]]> : tensor<4x3xf32>
// FOLD-NOT:     relax.layout_transform
// FOLD:         relax.call_tir @linear
// OFF-LABEL: relax.func @linear
// OFF-NOT:     layout_transform
relax.func @linear(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 3], f32> {
  %out = relax.dataflow {
    %w = relax.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]]> : tensor<3x4xf32>
    %y = relax.linear %x, %w : !relax.tensor<[n, 3], f32>
    relax.output %y : !relax.tensor<[n, 3], f32>
  }
  relax.return %out : !relax.tensor<[n, 3], f32>
}

// -----

// A stride-2 convolution over NCHW fused with relu (lanes cannot run along
// the output width): it wants its weight as [C, KH, KW, O] and keeps its
// result in a local buffer laid out [N, H, W, O]; the caller permutes the
// weight before the call. Alone, the same convolution is left as it is: its
// output and weight would both be permuted at every run, costing more than
// the better tile saves.
// CHECK-LABEL: relax.func @strided
// CHECK:         %[[W:.*]] = relax.layout_transform %w {index_map = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3, d0)>} : !relax.tensor<[8, 3, 3, 64], f32>
// CHECK:         relax.call_tir @fused_conv2d_relu(%x, %[[W]]) : !relax.tensor<[1, 64, 8, 8], f32>
// CHECK:       tir.func @fused_conv2d_relu(%x: !tir.buffer<[1, 8, 16, 16], f32>, %w: !tir.buffer<[8, 3, 3, 64], f32>, %{{.*}}: !tir.buffer<[1, 64, 8, 8], f32>)
// CHECK:         %[[LOCAL:.*]] = tir.alloc_buffer : !tir.buffer<[1, 8, 8, 64], f32>
// CHECK:         tir.load %w[%vrc, %vry, %vrx, %vff] : f32
// CHECK:         tir.store %{{.*}}, %[[LOCAL]][%vnn_1, %vyy, %vxx, %vff] : f32
relax.func @strided(%x: !relax.tensor<[1, 8, 16, 16], f32>, %w: !relax.tensor<[64, 8, 3, 3], f32>) -> !relax.tensor<[1, 64, 8, 8], f32> {
  %out = relax.dataflow {
    %y = relax.conv2d %x, %w {strides = [2, 2], padding = [1, 1, 1, 1]} : !relax.tensor<[1, 64, 8, 8], f32>
    %z = relax.relu %y : !relax.tensor<[1, 64, 8, 8], f32>
    relax.output %z : !relax.tensor<[1, 64, 8, 8], f32>
  }
  relax.return %out : !relax.tensor<[1, 64, 8, 8], f32>
}
// -----

// CHECK-LABEL: relax.func @strided_alone
// CHECK-NOT:     layout_transform
// CHECK:         relax.return
relax.func @strided_alone(%x: !relax.tensor<[1, 8, 16, 16], f32>, %w: !relax.tensor<[64, 8, 3, 3], f32>) -> !relax.tensor<[1, 64, 8, 8], f32> {
  %out = relax.dataflow {
    %y = relax.conv2d %x, %w {strides = [2, 2], padding = [1, 1, 1, 1]} : !relax.tensor<[1, 64, 8, 8], f32>
    relax.output %y : !relax.tensor<[1, 64, 8, 8], f32>
  }
  relax.return %out : !relax.tensor<[1, 64, 8, 8], f32>
}

// -----

// Left alone: a matmul whose output rows are already contiguous in B, and an
// elementwise kernel.
// CHECK-LABEL: relax.func @plain
// CHECK-NOT:     layout_transform
relax.func @plain(%a: !relax.tensor<[16, 8], f32>, %b: !relax.tensor<[8, 64], f32>) -> !relax.tensor<[16, 64], f32> {
  %out = relax.dataflow {
    %y = relax.matmul %a, %b : !relax.tensor<[16, 64], f32>
    %z = relax.exp %y : !relax.tensor<[16, 64], f32>
    relax.output %z : !relax.tensor<[16, 64], f32>
  }
  relax.return %out : !relax.tensor<[16, 64], f32>
}

// -----

// Left alone: a matrix-vector product x[1, K] @ W[N, K]^T. There is no
// register tile to fill; W's rows are read contiguously along the reduction
// as they are (the row-reduction schedule streams them).
// CHECK-LABEL: relax.func @gemv
// CHECK-NOT:     layout_transform
// CHECK:       tir.func @linear{{.*}}(%x0: !tir.buffer<[1, 256], f32>, %x1: !tir.buffer<[512, 256], f32>, %{{.*}}: !tir.buffer<[1, 512], f32>)
// CHECK:         tir.load %x1[%vi1, %vk] : f32
relax.func @gemv(%x: !relax.tensor<[1, 256], f32>, %w: !relax.tensor<[512, 256], f32>) -> !relax.tensor<[1, 512], f32> {
  %out = relax.dataflow {
    %y = relax.linear %x, %w : !relax.tensor<[1, 512], f32>
    relax.output %y : !relax.tensor<[1, 512], f32>
  }
  relax.return %out : !relax.tensor<[1, 512], f32>
}

// -----

// Layouts flow between kernels: two narrow convolutions (7x7 outputs) each
// want their result channels-last. The first kernel's relu epilogue writes its
// output channels-last; the second kernel adopts that layout for its input
// (through its padding block) and for its residual operand, so the transform
// after the first call and the one before the second cancel. The second
// kernel's output goes back to NCHW inside the kernel (the graph returns it):
// no transform is left between or around the calls but the weights'.
// CHECK-LABEL: relax.func @chain
// CHECK-NOT:     relax.layout_transform %x
// CHECK:         %[[A:.*]] = relax.call_tir @fused_conv2d_relu(%x, %{{.*}}) : !relax.tensor<[1, 7, 7, 32], f32>
// CHECK-NOT:     relax.layout_transform %[[A]]
// CHECK:         relax.call_tir @fused_conv2d_add_relu(%[[A]], %{{.*}}) : !relax.tensor<[1, 32, 7, 7], f32>
// CHECK:       tir.func @fused_conv2d_relu(%x: !tir.buffer<[1, 32, 7, 7], f32>, %w1: !tir.buffer<[32, 3, 3, 32], f32>, %{{.*}}: !tir.buffer<[1, 7, 7, 32], f32>)
// CHECK:       tir.func @fused_conv2d_add_relu(%r: !tir.buffer<[1, 7, 7, 32], f32>, %w2: !tir.buffer<[32, 3, 3, 32], f32>, %{{.*}}: !tir.buffer<[1, 32, 7, 7], f32>)
// The residual operand is read channels-last too, in the epilogue.
// CHECK:         tir.load %r[%{{.*}}, %vi2, %vi3, %vi1] : f32
// CHECK:         tir.store %{{.*}}, %T_out[%vi0, %vi1, %vi2, %vi3] : f32
// FOLD-LABEL: relax.func @chain
// FOLD-NOT:     relax.layout_transform
// FOLD:         relax.return
relax.func @chain(%x: !relax.tensor<[1, 32, 7, 7], f32>) -> !relax.tensor<[1, 32, 7, 7], f32> {
  %out = relax.dataflow {
    %w1 = relax.constant dense<0.01> : tensor<32x32x3x3xf32>
    %w2 = relax.constant dense<0.02> : tensor<32x32x3x3xf32>
    %a = relax.conv2d %x, %w1 {padding = [1, 1, 1, 1]} : !relax.tensor<[1, 32, 7, 7], f32>
    %r = relax.relu %a : !relax.tensor<[1, 32, 7, 7], f32>
    %b = relax.conv2d %r, %w2 {padding = [1, 1, 1, 1]} : !relax.tensor<[1, 32, 7, 7], f32>
    %s = relax.add %b, %r : !relax.tensor<[1, 32, 7, 7], f32>
    %t = relax.relu %s : !relax.tensor<[1, 32, 7, 7], f32>
    relax.output %t : !relax.tensor<[1, 32, 7, 7], f32>
  }
  relax.return %out : !relax.tensor<[1, 32, 7, 7], f32>
}

// -----

// The transform stays where a consumer needs the original layout: the
// function returns the first kernel's result, in NCHW, so a transform back
// follows that call, while the second convolution reads the channels-last
// value directly. A kernel consumer that is layout-sensitive, like the
// reshape, adopts the layout instead: its copy reads the channels-last
// buffer in NCHW order (one pass over memory either way).
// CHECK-LABEL: relax.func @must_stay
// CHECK:         %[[A:.*]] = relax.call_tir @fused_conv2d_relu(%x, %{{.*}}) : !relax.tensor<[1, 7, 7, 32], f32>
// CHECK:         %[[BACK:.*]] = relax.layout_transform %[[A]] {index_map = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1, d2)>} : !relax.tensor<[1, 32, 7, 7], f32>
// CHECK:         relax.call_tir @fused_conv2d_relu_1(%[[A]], %{{.*}}) : !relax.tensor<[1, 32, 7, 7], f32>
// CHECK:         relax.call_tir @reshape(%[[A]]) : !relax.tensor<[32, 49], f32>
// CHECK:       tir.func @reshape(%{{.*}}: !tir.buffer<[1, 7, 7, 32], f32>, %{{.*}}: !tir.buffer<[32, 49], f32>)
relax.func @must_stay(%x: !relax.tensor<[1, 32, 7, 7], f32>) -> !relax.tuple<!relax.tensor<[1, 32, 7, 7], f32>, !relax.tensor<[1, 32, 7, 7], f32>, !relax.tensor<[32, 49], f32>> {
  %o1, %o2, %o3 = relax.dataflow {
    %w1 = relax.constant dense<0.01> : tensor<32x32x3x3xf32>
    %w2 = relax.constant dense<0.02> : tensor<32x32x3x3xf32>
    %a = relax.conv2d %x, %w1 {padding = [1, 1, 1, 1]} : !relax.tensor<[1, 32, 7, 7], f32>
    %r = relax.relu %a : !relax.tensor<[1, 32, 7, 7], f32>
    %b = relax.conv2d %r, %w2 {padding = [1, 1, 1, 1]} : !relax.tensor<[1, 32, 7, 7], f32>
    %c = relax.relu %b : !relax.tensor<[1, 32, 7, 7], f32>
    %f = relax.reshape %r {shape = [32, 49]} : !relax.tensor<[32, 49], f32>
    relax.output %c, %r, %f : !relax.tensor<[1, 32, 7, 7], f32>, !relax.tensor<[1, 32, 7, 7], f32>, !relax.tensor<[32, 49], f32>
  }
  %t = relax.tuple(%o1, %o2, %o3)
  relax.return %t : !relax.tuple<!relax.tensor<[1, 32, 7, 7], f32>, !relax.tensor<[1, 32, 7, 7], f32>, !relax.tensor<[32, 49], f32>>
}
