// RUN: relax-opt %s --split-input-file -p 'legalize-ops,default-schedule{parallel=false}' | filecheck %s
// RUN: relax-opt %s --split-input-file -p 'legalize-ops,default-schedule{parallel=false vectorize=false}' | filecheck %s --check-prefix=OFF

// The default schedule of element-wise kernels and row reductions
// (tir_dialect/autoschedule/elementwise.py).

// softmax: five nests become one pass over the rows; the max and the sum keep
// their reduce loop innermost with the init in a block of its own; exp and
// sum share one loop; the exponentials live in the output (no temporary);
// every inner loop is vectorized with the target's lanes.
// CHECK-LABEL: tir.func @softmax(
// CHECK-NEXT:    %T_max = tir.alloc_buffer : !tir.buffer<[n], f32>
// CHECK-NEXT:    %T_expsum = tir.alloc_buffer : !tir.buffer<[n], f32>
// CHECK-NEXT:    tir.for %i0 = 0 to n {
// CHECK-NEXT:      tir.block "T_expsum_init" (%vi0 = spatial[n] %i0) {
// CHECK:           tir.block "T_max_init" (%{{.*}} = spatial[n] %i0) {
// CHECK:           tir.for vectorized %k = 0 to m attributes {tir.vector_lanes = {{[0-9]+}} : i64} {
// CHECK-NEXT:        tir.block "T_max" (%{{.*}} = spatial[n] %i0, %vk = reduce[m] %k) {
// CHECK:           tir.for vectorized %[[J:.*]] = 0 to m attributes {tir.vector_lanes = {{[0-9]+}} : i64} {
// CHECK-NEXT:        tir.block "T_exp" (%{{.*}} = spatial[n] %i0, %{{.*}} = spatial[m] %[[J]]) {
// CHECK:               math.exp
// CHECK-NEXT:          tir.store %{{.*}}, %T_softmax[%{{.*}}, %{{.*}}] : f32
// CHECK:             tir.block "T_expsum" (%{{.*}} = spatial[n] %i0, %{{.*}} = reduce[m] %[[J]]) {
// CHECK-NEXT:          %t_exp = tir.load %T_softmax[
// CHECK:           tir.for vectorized %{{.*}} = 0 to m attributes
// CHECK-NEXT:        tir.block "T_softmax"
// CHECK-NEXT:          tir.load %T_softmax[
// CHECK:               arith.divf
// CHECK-NEXT:          tir.store %{{.*}}, %T_softmax[
// CHECK-NOT:     tir.for
// CHECK:       relax.func @main
// OFF-LABEL:   tir.func @softmax(
// OFF:           %T_exp = tir.alloc_buffer : !tir.buffer<[n, m], f32>
// OFF-NOT:       vectorized
// OFF:         relax.func @main
relax.func @main(%x: !relax.tensor<[n, m], f32>) -> !relax.tensor<[n, m], f32> {
  %y = relax.softmax %x : !relax.tensor<[n, m], f32>
  relax.return %y : !relax.tensor<[n, m], f32>
}

// -----

// layer_norm: mean, variance and normalization in one pass over the rows,
// three vectorized loops; gamma and beta are read contiguously.
// CHECK-LABEL: tir.func @layer_norm(
// CHECK:         tir.for %i0 = 0 to 4 {
// CHECK-NEXT:      tir.block "T_var_sum_init"
// CHECK:           tir.block "T_sum_init"
// CHECK:           tir.for vectorized %{{.*}} = 0 to 768 attributes {tir.vector_lanes = {{[0-9]+}} : i64} {
// CHECK-NEXT:        tir.block "T_sum"
// CHECK:           tir.for vectorized %{{.*}} = 0 to 768 attributes
// CHECK-NEXT:        tir.block "T_var_sum"
// CHECK:           tir.for vectorized %{{.*}} = 0 to 768 attributes
// CHECK-NEXT:        tir.block "T_layer_norm"
// CHECK-NOT:     tir.for
// CHECK:       relax.func @main
relax.func @main(%x: !relax.tensor<[4, 768], f32>, %g: !relax.tensor<[768], f32>, %b: !relax.tensor<[768], f32>) -> !relax.tensor<[4, 768], f32> {
  %y = relax.layer_norm %x, %g, %b : !relax.tensor<[4, 768], f32>
  relax.return %y : !relax.tensor<[4, 768], f32>
}

// -----

// Element-wise with a broadcast operand: the inner loop is vectorized (the
// bias is read contiguously); a transpose is not (its load is strided); a
// reduction over the first axis is left to split_reduction (the reduce loop
// moves out, the inner spatial loop walks the output).
// CHECK-LABEL: tir.func @add(
// CHECK:         tir.for %{{.*}} = 0 to n {
// CHECK-NEXT:      tir.for vectorized %{{.*}} = 0 to 64 attributes
// CHECK-LABEL: tir.func @permute_dims(
// CHECK-NOT:     vectorized
// CHECK-LABEL: tir.func @sum(
// CHECK:         tir.for %{{.*}} = 0 to 64 {
// CHECK-NEXT:      tir.block "T_sum_init"
// CHECK:         tir.for %{{.*}} = 0 to n {
// CHECK-NEXT:      tir.for %{{.*}} = 0 to 64 {
// CHECK-NEXT:        tir.block "T_sum"
relax.func @main(%x: !relax.tensor<[n, 64], f32>, %b: !relax.tensor<[64], f32>) -> !relax.tensor<[64], f32> {
  %a = relax.add %x, %b : !relax.tensor<[n, 64], f32>
  %t = relax.permute_dims %a {axes = [1, 0]} : !relax.tensor<[64, n], f32>
  %s = relax.sum %a {axis = [0]} : !relax.tensor<[64], f32>
  relax.return %s : !relax.tensor<[64], f32>
}

// -----

// A long loop with no loop around it is left serial (it is the one that runs
// in parallel; LLVM vectorizes its body); a full reduction is vectorized.
// CHECK-LABEL: tir.func @exp1(
// CHECK:         tir.for %i0 = 0 to n {
// CHECK-LABEL: tir.func @sum(
// CHECK:         tir.for vectorized %{{.*}} = 0 to n attributes
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[], f32> {
  %e = relax.exp %x : !relax.tensor<[n], f32>
  %s = relax.sum %e : !relax.tensor<[], f32>
  relax.return %s : !relax.tensor<[], f32>
}

// -----

// A transposing nest ([n, h, w, c] read, [n, c, h, w] written): each loop runs
// at the later of its variable's two positions, ties in the store's order
// (n, h, c, w), so one h iteration touches a [c, w] slab of both buffers.
// CHECK-LABEL: tir.func @to_nchw
// CHECK:         tir.for %i0 = 0 to 1 {
// CHECK-NEXT:      tir.for %i2 = 0 to 14 {
// CHECK-NEXT:        tir.for %i1 = 0 to 64 {
// CHECK-NEXT:          tir.for %i3 = 0 to 14 {
// CHECK-NEXT:            tir.block "T" (%vn = spatial[1] %i0, %vc = spatial[64] %i1, %vh = spatial[14] %i2, %vw = spatial[14] %i3)
// OFF-LABEL:  tir.func @to_nchw
// OFF-NEXT:     tir.for %i0 = 0 to 1 {
// OFF-NEXT:       tir.for %i1 = 0 to 64 {
tir.func @to_nchw(%x: !tir.buffer<[1, 14, 14, 64], f32>, %y: !tir.buffer<[1, 64, 14, 14], f32>) {
  tir.for %i0 = 0 to 1 {
    tir.for %i1 = 0 to 64 {
      tir.for %i2 = 0 to 14 {
        tir.for %i3 = 0 to 14 {
          tir.block "T" (%vn = spatial[1] %i0, %vc = spatial[64] %i1, %vh = spatial[14] %i2, %vw = spatial[14] %i3) {
            %v = tir.load %x[%vn, %vh, %vw, %vc] : f32
            tir.store %v, %y[%vn, %vc, %vh, %vw] : f32
          }
        }
      }
    }
  }
}
