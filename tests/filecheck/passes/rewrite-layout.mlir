// rewrite-layout: a kernel's contraction chooses the layout of its operands
// and the callers provide it; with fold-constant, a constant weight is
// permuted once, at compile time.
// RUN: relax-opt %s --split-input-file -p 'legalize-ops,annotate-op-pattern,fuse-ops,fuse-tir,rewrite-layout{target=avx512}' | filecheck %s
// RUN: relax-opt %s --split-input-file -p 'legalize-ops,rewrite-layout{target=avx512},legalize-ops,fold-constant,relax-dce' | filecheck %s --check-prefix=FOLD
// RUN: relax-opt %s --split-input-file -p 'default-pipeline{target=avx512 layout=false}' | filecheck %s --check-prefix=OFF

// x @ W^T with a constant W [3, 4]: the kernel wants W as [4, 3] (the output
// columns become the vector lanes); folded, the weight is a transposed constant.
// CHECK-LABEL: relax.func @linear
// CHECK:         %[[P:.*]] = relax.permute_dims %w {axes = [1 : i64, 0 : i64]} : !relax.tensor<[4, 3], f32>
// CHECK:         relax.call_tir @linear{{.*}}(%x, %[[P]])
// CHECK:       tir.func @linear{{.*}}(%x0: !tir.buffer<[n, 4], f32>, %x1: !tir.buffer<[4, 3], f32>, %{{.*}}: !tir.buffer<[n, 3], f32>)
// CHECK:         tir.load %x1[%vk, %vi1] : f32
// FOLD-LABEL: relax.func @linear
// FOLD:         %{{.*}} = relax.constant dense<{{\[\[}}1.000000e+00, 5.000000e+00, 9.000000e+00], [2.000000e+00, 6.000000e+00, 1.000000e+01], [3.000000e+00, 7.000000e+00, 1.100000e+01], [4.000000e+00, 8.000000e+00, 1.200000e+01]]> : tensor<4x3xf32>
// FOLD-NOT:     relax.permute_dims
// FOLD:         relax.call_tir @linear
// OFF-LABEL: relax.func @linear
// OFF-NOT:     permute_dims
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
// CHECK:         %[[W:.*]] = relax.permute_dims %w {axes = [1 : i64, 2 : i64, 3 : i64, 0 : i64]} : !relax.tensor<[8, 3, 3, 64], f32>
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
// CHECK-NOT:     permute_dims
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
// CHECK-NOT:     permute_dims
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
// CHECK-NOT:     permute_dims
// CHECK:       tir.func @linear{{.*}}(%x0: !tir.buffer<[1, 256], f32>, %x1: !tir.buffer<[512, 256], f32>, %{{.*}}: !tir.buffer<[1, 512], f32>)
// CHECK:         tir.load %x1[%vi1, %vk] : f32
relax.func @gemv(%x: !relax.tensor<[1, 256], f32>, %w: !relax.tensor<[512, 256], f32>) -> !relax.tensor<[1, 512], f32> {
  %out = relax.dataflow {
    %y = relax.linear %x, %w : !relax.tensor<[1, 512], f32>
    relax.output %y : !relax.tensor<[1, 512], f32>
  }
  relax.return %out : !relax.tensor<[1, 512], f32>
}
