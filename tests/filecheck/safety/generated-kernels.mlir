// RUN: relax-opt %s -p 'default-pipeline{fold=false}' | filecheck %s

// The kernels that legalize-ops, fuse-tir and default-schedule generate for an
// MLP (symbolic batch) and a padded convolution are proved in bounds by
// check-bounds: no access is checked or guarded, no division and no size is
// checked, so their loops run as fast as without the pass. (Local buffers of
// dynamic size are still checked once, at kernel entry: tir.entry_checks.)

// CHECK:     builtin.module
// CHECK-NOT: {{ checked | guarded |tir\.checked|tir\.overflow_checks}}
// CHECK:     relax.func @mlp
// CHECK-NOT: {{ checked | guarded |tir\.checked|tir\.overflow_checks}}
// CHECK:     relax.func @conv
// CHECK-NOT: {{ checked | guarded |tir\.checked|tir\.overflow_checks}}
// CHECK:     tir.func
// CHECK-NOT: {{ checked | guarded |tir\.checked|tir\.overflow_checks}}
// CHECK:     tir.store
// CHECK-NOT: {{ checked | guarded |tir\.checked|tir\.overflow_checks}}
// CHECK:     {{^}$}}

relax.func @mlp(%x: !relax.tensor<[n, 784], f32>, %w1: !relax.tensor<[784, 256], f32>,
                %b1: !relax.tensor<[256], f32>, %w2: !relax.tensor<[256, 10], f32>,
                %b2: !relax.tensor<[10], f32>) -> !relax.tensor<[n, 10], f32> {
  %out = relax.dataflow {
    %0 = relax.matmul %x, %w1 : !relax.tensor<[n, 256], f32>
    %1 = relax.add %0, %b1 : !relax.tensor<[n, 256], f32>
    %2 = relax.relu %1 : !relax.tensor<[n, 256], f32>
    %3 = relax.matmul %2, %w2 : !relax.tensor<[n, 10], f32>
    %4 = relax.add %3, %b2 : !relax.tensor<[n, 10], f32>
    %5 = relax.softmax %4 {axis = -1 : i64} : !relax.tensor<[n, 10], f32>
    relax.output %5 : !relax.tensor<[n, 10], f32>
  }
  relax.return %out : !relax.tensor<[n, 10], f32>
}

relax.func @conv(%x: !relax.tensor<[1, 64, 56, 56], f32>, %w: !relax.tensor<[64, 64, 3, 3], f32>,
                 %b: !relax.tensor<[64, 1, 1], f32>) -> !relax.tensor<[1, 64, 56, 56], f32> {
  %out = relax.dataflow {
    %0 = relax.conv2d %x, %w {padding = [1, 1, 1, 1]} : !relax.tensor<[1, 64, 56, 56], f32>
    %1 = relax.add %0, %b : !relax.tensor<[1, 64, 56, 56], f32>
    %2 = relax.relu %1 : !relax.tensor<[1, 64, 56, 56], f32>
    relax.output %2 : !relax.tensor<[1, 64, 56, 56], f32>
  }
  relax.return %out : !relax.tensor<[1, 64, 56, 56], f32>
}
