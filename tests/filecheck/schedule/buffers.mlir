// RUN: relax-opt %s --split-input-file -p apply-schedule | filecheck %s
// RUN: relax-opt %s --split-input-file -p apply-schedule --print-op-generic | relax-opt | filecheck %s

// cache_read of the block's second input (%B): a local copy made before the
// block's loop nest, read instead of %B.
// CHECK-LABEL: tir.func @matmul
// CHECK-NEXT:    %B_local = tir.alloc_buffer {scope = "local"} : !tir.buffer<[k, m], f32>
// CHECK-NEXT:    tir.for %ax0 = 0 to k {
// CHECK-NEXT:      tir.for %ax1 = 0 to m {
// CHECK-NEXT:        tir.block "B_local" (%v0 = spatial[k] %ax0, %v1 = spatial[m] %ax1) {
// CHECK-NEXT:          %0 = tir.load %B[%v0, %v1] : f32
// CHECK-NEXT:          tir.store %0, %B_local[%v0, %v1] : f32
// CHECK:         tir.for %i = 0 to n {
// CHECK:             %b = tir.load %B_local[%vk, %vj] : f32
tir.func @matmul(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>, %C: !tir.buffer<[n, m], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.for %r = 0 to k {
        tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vk = reduce[k] %r) {
          tir.init {
            %zero = arith.constant 0.000000e+00 : f32
            tir.store %zero, %C[%vi, %vj] : f32
          }
          %a = tir.load %A[%vi, %vk] : f32
          %b = tir.load %B[%vk, %vj] : f32
          %c = tir.load %C[%vi, %vj] : f32
          %p = arith.mulf %a, %b : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %C[%vi, %vj] : f32
        }
      }
    }
  }
}
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %c = sched.get_block {name = "C"}
  %cb = sched.cache_read %c {read_buffer_index = 1}
  transform.yield
}

// -----

// cache_write, then reverse_compute_at of the copy under a tile: the block
// accumulates into the local buffer, each 4-row tile is copied out after its
// reduction (guarded where n does not divide).
// CHECK-LABEL: tir.func @matmul
// CHECK-NEXT:    %C_local = tir.alloc_buffer {scope = "local"} : !tir.buffer<[n, m], f32>
// CHECK-NEXT:    tir.for %i0 = 0 to (n + 3) floordiv 4 {
// CHECK-NEXT:      tir.for %j = 0 to m {
// CHECK-NEXT:        tir.for %i1 = 0 to 4 {
// CHECK-NEXT:          tir.for %r = 0 to k {
// CHECK:                 tir.block "C"
// CHECK:                   tir.store %zero, %C_local[%vi, %vj] : f32
// CHECK:                 tir.store %s, %C_local[%vi, %vj] : f32
// CHECK:             tir.for %ax0 = 0 to 4 {
// CHECK-NEXT:          %[[C4:.*]] = arith.constant 4 : index
// CHECK-NEXT:          %[[M:.*]] = arith.muli %i0, %[[C4]] : index
// CHECK-NEXT:          %[[I:.*]] = arith.addi %[[M]], %ax0 : index
// CHECK-NEXT:          %[[N:.*]] = tir.expr n : index
// CHECK-NEXT:          %[[P:.*]] = arith.cmpi slt, %[[I]], %[[N]] : index
// CHECK-NEXT:          tir.if %[[P]] {
// CHECK-NEXT:            tir.block "C_local" (%v0 = spatial[n] %[[I]], %v1 = spatial[m] %j) {
// CHECK-NEXT:              %{{.*}} = tir.load %C_local[%v0, %v1] : f32
// CHECK-NEXT:              tir.store %{{.*}}, %C[%v0, %v1] : f32
tir.func @matmul(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>, %C: !tir.buffer<[n, m], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.for %r = 0 to k {
        tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vk = reduce[k] %r) {
          tir.init {
            %zero = arith.constant 0.000000e+00 : f32
            tir.store %zero, %C[%vi, %vj] : f32
          }
          %a = tir.load %A[%vi, %vk] : f32
          %b = tir.load %B[%vk, %vj] : f32
          %c = tir.load %C[%vi, %vj] : f32
          %p = arith.mulf %a, %b : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %C[%vi, %vj] : f32
        }
      }
    }
  }
}
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %c = sched.get_block {name = "C"}
  %i, %j, %k = sched.get_loops %c {count = 3}
  %io, %ii = sched.split %i {factors = [-1, 4]}
  sched.reorder %io, %j, %ii
  %wb = sched.cache_write %c {write_buffer_index = 0}
  sched.reverse_compute_at %wb, %j
  transform.yield
}

// -----

// transform_layout of the local buffer %Y: (i, j) -> (j floordiv 8, i, j mod 8);
// m is symbolic so the last block may be padded: the pad value fills the
// buffer first.
// CHECK-LABEL: tir.func @chain
// CHECK-NEXT:    %Y = tir.alloc_buffer : !tir.buffer<[(m + 7) floordiv 8, n, 8], f32>
// CHECK-NEXT:    tir.for %ax0 = 0 to (m + 7) floordiv 8 {
// CHECK-NEXT:      tir.for %ax1 = 0 to n {
// CHECK-NEXT:        tir.for %ax2 = 0 to 8 {
// CHECK-NEXT:          tir.block "Y_pad" (%v0 = spatial[(m + 7) floordiv 8] %ax0, %v1 = spatial[n] %ax1, %v2 = spatial[8] %ax2) {
// CHECK-NEXT:            %0 = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:            tir.store %0, %Y[%v0, %v1, %v2] : f32
// CHECK:           tir.block "Y" (%vi = spatial[n] %i, %vj = spatial[m] %j) {
// CHECK:             %[[C8:.*]] = arith.constant 8 : index
// CHECK-NEXT:        %[[Q:.*]] = arith.divsi %vj, %[[C8]] : index
// CHECK-NEXT:        %[[R:.*]] = arith.remsi %vj, %[[C8]] : index
// CHECK-NEXT:        tir.store %y, %Y[%[[Q]], %vi, %[[R]]] : f32
// CHECK:           tir.block "Z"
// CHECK:             %[[Q2:.*]] = arith.divsi %uj, %{{.*}} : index
// CHECK-NEXT:        %[[R2:.*]] = arith.remsi %uj, %{{.*}} : index
// CHECK-NEXT:        %{{.*}} = tir.load %Y[%[[Q2]], %ui, %[[R2]]] : f32
tir.func @chain(%X: !tir.buffer<[n, m], f32>, %Z: !tir.buffer<[m, n], f32>) {
  %Y = tir.alloc_buffer : !tir.buffer<[n, m], f32>
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.block "Y" (%vi = spatial[n] %i, %vj = spatial[m] %j) {
        %x = tir.load %X[%vi, %vj] : f32
        %two = arith.constant 2.0 : f32
        %y = arith.mulf %x, %two : f32
        tir.store %y, %Y[%vi, %vj] : f32
      }
    }
  }
  tir.for %j2 = 0 to m {
    tir.for %i2 = 0 to n {
      tir.block "Z" (%uj = spatial[m] %j2, %ui = spatial[n] %i2) {
        %y = tir.load %Y[%ui, %uj] : f32
        %e = math.exp %y : f32
        tir.store %e, %Z[%uj, %ui] : f32
      }
    }
  }
}
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %y = sched.get_block {name = "Y"}
  sched.transform_layout %y {buffer = ["write", 0], index_map = affine_map<(d0, d1) -> (d1 floordiv 8, d0, d1 mod 8)>, pad_value = 0.0 : f32}
  transform.yield
}
