// RUN: relax-opt %s -p legalize-ops | filecheck %s
// RUN: relax-opt %s | relax-opt | filecheck %s --check-prefix=ROUND

// relax.matmul (numpy semantics) and relax.linear (x @ weight^T + bias)
// become tir kernels with a reduce axis over the contracted dim.

// ROUND-LABEL: relax.func @matmul_batch
// ROUND:         %y = relax.matmul %a, %w : !relax.tensor<[b, c, n, m], f32>
// ROUND-LABEL: relax.func @matmul_vec
// ROUND:         %y = relax.matmul %v, %w : !relax.tensor<[m], i32>
// ROUND-LABEL: relax.func @linear_bias
// ROUND:         %y = relax.linear %x, %w, %b : !relax.tensor<[n, 6], f32>
// ROUND:         %z = relax.linear %x, %w : !relax.tensor<[n, 6], f32>

// CHECK-LABEL: relax.func @matmul_batch
// CHECK:         relax.call_tir @matmul(%a, %w) : !relax.tensor<[b, c, n, m], f32>
// CHECK-LABEL: relax.func @matmul_vec
// CHECK:         relax.call_tir @matmul1(%v, %w) : !relax.tensor<[m], i32>
// CHECK-LABEL: relax.func @linear_bias
// CHECK:         relax.call_tir @linear(%x, %w, %b) : !relax.tensor<[n, 6], f32>
// CHECK:         relax.call_tir @linear1(%x, %w) : !relax.tensor<[n, 6], f32>
// CHECK-NOT:     relax.matmul
// CHECK-NOT:     relax.linear

// The batch dim of size 1 in the lhs is read at index 0 (broadcast).
// CHECK:       tir.func @matmul(%x0: !tir.buffer<[b, 1, n, k], f32>, %x1: !tir.buffer<[c, k, m], f32>, %T_matmul: !tir.buffer<[b, c, n, m], f32>)
// CHECK:         tir.for %k = 0 to k {
// CHECK:           tir.block "T_matmul" (%vi0 = spatial[b] %i0, %vi1 = spatial[c] %i1, %vi2 = spatial[n] %i2, %vi3 = spatial[m] %i3, %vk = reduce[k] %k)
// CHECK:             tir.init {
// CHECK:               arith.constant 0.000000e+00 : f32
// CHECK:             %[[ZERO:.*]] = arith.constant 0 : index
// CHECK:             %[[A:.*]] = tir.load %x0[%vi0, %[[ZERO]], %vi2, %vk] : f32
// CHECK:             %[[B:.*]] = tir.load %x1[%vi1, %vk, %vi3] : f32
// CHECK:             %[[P:.*]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK:             %[[ACC:.*]] = tir.load %T_matmul[%vi0, %vi1, %vi2, %vi3] : f32
// CHECK:             arith.addf %[[ACC]], %[[P]] : f32

// A 1-D lhs contracts directly; integers use muli / addi.
// CHECK:       tir.func @matmul1(%x0: !tir.buffer<[k], i32>, %x1: !tir.buffer<[k, m], i32>, %T_matmul: !tir.buffer<[m], i32>)
// CHECK:         tir.block "T_matmul" (%vi0 = spatial[m] %i0, %vk = reduce[k] %k)
// CHECK:           tir.load %x0[%vk] : i32
// CHECK:           tir.load %x1[%vk, %vi0] : i32
// CHECK:           arith.muli
// CHECK:           arith.addi

// linear with a bias: the product into a local buffer, then the add.
// CHECK:       tir.func @linear(%x0: !tir.buffer<[n, 8], f32>, %x1: !tir.buffer<[6, 8], f32>, %x2: !tir.buffer<[6], f32>, %T_add: !tir.buffer<[n, 6], f32>)
// CHECK:         %T_matmul = tir.alloc_buffer : !tir.buffer<[n, 6], f32>
// CHECK:         tir.block "T_matmul" (%vi0 = spatial[n] %i0, %vi1 = spatial[6] %i1, %vk = reduce[8] %k)
// CHECK:           tir.load %x0[%vi0, %vk] : f32
// CHECK:           tir.load %x1[%vi1, %vk] : f32
// CHECK:         tir.block "T_add" (%vi0_1 = spatial[n] %i0_1, %vi1_1 = spatial[6] %i1_1)
// CHECK:           tir.load %x2[%vi1_1] : f32
// CHECK:           arith.addf
// CHECK:       tir.func @linear1(%x0: !tir.buffer<[n, 8], f32>, %x1: !tir.buffer<[6, 8], f32>, %T_matmul: !tir.buffer<[n, 6], f32>)
// CHECK-NOT:     tir.block "T_add"

relax.func @matmul_batch(%a: !relax.tensor<[b, 1, n, k], f32>, %w: !relax.tensor<[c, k, m], f32>) -> !relax.tensor<[b, c, n, m], f32> {
  %y = relax.matmul %a, %w : !relax.tensor<[b, c, n, m], f32>
  relax.return %y : !relax.tensor<[b, c, n, m], f32>
}
relax.func @matmul_vec(%v: !relax.tensor<[k], i32>, %w: !relax.tensor<[k, m], i32>) -> !relax.tensor<[m], i32> {
  %y = relax.matmul %v, %w : !relax.tensor<[m], i32>
  relax.return %y : !relax.tensor<[m], i32>
}
relax.func @linear_bias(%x: !relax.tensor<[n, 8], f32>, %w: !relax.tensor<[6, 8], f32>, %b: !relax.tensor<[6], f32>) -> !relax.tensor<[n, 6], f32> {
  %y = relax.linear %x, %w, %b : !relax.tensor<[n, 6], f32>
  %z = relax.linear %x, %w : !relax.tensor<[n, 6], f32>
  relax.return %y : !relax.tensor<[n, 6], f32>
}
