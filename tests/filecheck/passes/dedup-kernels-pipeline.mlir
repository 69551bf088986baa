// RUN: relax-opt %s -p default-pipeline | filecheck %s

// Three identical layers: fuse-tir makes three identical kernels, dedup-kernels
// keeps one, and every layer calls it.
// CHECK:     relax.call_kernel @[[K:fused_[a-z_]+]]({{.*}}%w0, %b0)
// CHECK:     relax.call_kernel @[[K]]({{.*}}%w1, %b1)
// CHECK:     relax.call_kernel @[[K]]({{.*}}%w2, %b2)
// CHECK:     tir.func @[[K]](
// CHECK-NOT: tir.func @[[K]]_
relax.func @main(%x: !relax.tensor<[n, 32], f32>, %w0: !relax.tensor<[32, 32], f32>, %b0: !relax.tensor<[32], f32>, %w1: !relax.tensor<[32, 32], f32>, %b1: !relax.tensor<[32], f32>, %w2: !relax.tensor<[32, 32], f32>, %b2: !relax.tensor<[32], f32>) -> !relax.tensor<[n, 32], f32> {
  %out = relax.dataflow {
    %m0 = relax.matmul %x, %w0 : !relax.tensor<[n, 32], f32>
    %a0 = relax.add %m0, %b0 : !relax.tensor<[n, 32], f32>
    %r0 = relax.relu %a0 : !relax.tensor<[n, 32], f32>
    %m1 = relax.matmul %r0, %w1 : !relax.tensor<[n, 32], f32>
    %a1 = relax.add %m1, %b1 : !relax.tensor<[n, 32], f32>
    %r1 = relax.relu %a1 : !relax.tensor<[n, 32], f32>
    %m2 = relax.matmul %r1, %w2 : !relax.tensor<[n, 32], f32>
    %a2 = relax.add %m2, %b2 : !relax.tensor<[n, 32], f32>
    %r2 = relax.relu %a2 : !relax.tensor<[n, 32], f32>
    relax.output %r2 : !relax.tensor<[n, 32], f32>
  }
  relax.return %out : !relax.tensor<[n, 32], f32>
}
