// RUN: relax-opt %s --split-input-file -p apply-schedule | filecheck %s
// RUN: relax-opt %s --split-input-file -p apply-schedule --print-op-generic | relax-opt | filecheck %s

// compute_at: the matmul producing %C moves under the consumer's loop %i2 and
// computes the row that one iteration reads (a loop of extent 1 disappears).
// CHECK-LABEL: tir.func @mm_exp
// CHECK:         tir.for %i2 = 0 to n {
// CHECK-NEXT:      tir.for %ax0 = 0 to m {
// CHECK-NEXT:        tir.for %ax1 = 0 to k {
// CHECK-NEXT:          tir.block "C" (%vi = spatial[n] %i2, %vj = spatial[m] %ax0, %vr = reduce[k] %ax1) {
// CHECK:           tir.for %j2 = 0 to m {
// CHECK-NEXT:        tir.block "D"
// CHECK-NOT:     tir.block "C"
tir.func @mm_exp(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>, %D: !tir.buffer<[n, m], f32>) {
  %C = tir.alloc_buffer : !tir.buffer<[n, m], f32>
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.for %r = 0 to k {
        tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vr = reduce[k] %r) {
          tir.init {
            %zero = arith.constant 0.000000e+00 : f32
            tir.store %zero, %C[%vi, %vj] : f32
          }
          %a = tir.load %A[%vi, %vr] : f32
          %b = tir.load %B[%vr, %vj] : f32
          %p = arith.mulf %a, %b : f32
          %c = tir.load %C[%vi, %vj] : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %C[%vi, %vj] : f32
        }
      }
    }
  }
  tir.for %i2 = 0 to n {
    tir.for %j2 = 0 to m {
      tir.block "D" (%ui = spatial[n] %i2, %uj = spatial[m] %j2) {
        %x = tir.load %C[%ui, %uj] : f32
        %e = math.exp %x : f32
        tir.store %e, %D[%ui, %uj] : f32
      }
    }
  }
}
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %c = sched.get_block {name = "C"}
  %d = sched.get_block {name = "D"}
  %i2, %j2 = sched.get_loops %d {count = 2}
  sched.compute_at %c, %i2
  transform.yield
}

// -----

// reverse_compute_at: the consumer moves under the producer's loop %j and
// consumes the element that one iteration completes, after its reduction.
// CHECK-LABEL: tir.func @mm_exp
// CHECK:         tir.for %i = 0 to n {
// CHECK-NEXT:      tir.for %j = 0 to m {
// CHECK-NEXT:        tir.for %r = 0 to k {
// CHECK-NEXT:          tir.block "C"
// CHECK:                 tir.store %s, %C[%vi, %vj] : f32
// CHECK-NEXT:          }
// CHECK-NEXT:        }
// CHECK-NEXT:        tir.block "D" (%ui = spatial[n] %i, %uj = spatial[m] %j) {
// CHECK-NOT:     tir.for %i2
tir.func @mm_exp(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>, %D: !tir.buffer<[n, m], f32>) {
  %C = tir.alloc_buffer : !tir.buffer<[n, m], f32>
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.for %r = 0 to k {
        tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vr = reduce[k] %r) {
          tir.init {
            %zero = arith.constant 0.000000e+00 : f32
            tir.store %zero, %C[%vi, %vj] : f32
          }
          %a = tir.load %A[%vi, %vr] : f32
          %b = tir.load %B[%vr, %vj] : f32
          %p = arith.mulf %a, %b : f32
          %c = tir.load %C[%vi, %vj] : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %C[%vi, %vj] : f32
        }
      }
    }
  }
  tir.for %i2 = 0 to n {
    tir.for %j2 = 0 to m {
      tir.block "D" (%ui = spatial[n] %i2, %uj = spatial[m] %j2) {
        %x = tir.load %C[%ui, %uj] : f32
        %e = math.exp %x : f32
        tir.store %e, %D[%ui, %uj] : f32
      }
    }
  }
}
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %c = sched.get_block {name = "C"}
  %d = sched.get_block {name = "D"}
  %i, %j, %k = sched.get_loops %c {count = 3}
  sched.reverse_compute_at %d, %j
  transform.yield
}

// -----

// compute_inline: the element-wise producer of %Y is computed where it is read
// (at the transposed indices); its loops and the buffer disappear.
// CHECK-LABEL: tir.func @chain
// CHECK-NOT:     tir.alloc_buffer
// CHECK:         tir.for %j2 = 0 to m {
// CHECK-NEXT:      tir.for %i2 = 0 to n {
// CHECK-NEXT:        tir.block "Z" (%uj = spatial[m] %j2, %ui = spatial[n] %i2) {
// CHECK-NEXT:          %x = tir.load %X[%ui, %uj] : f32
// CHECK-NEXT:          %two = arith.constant 2.000000e+00 : f32
// CHECK-NEXT:          %y = arith.mulf %x, %two : f32
// CHECK-NEXT:          %e = math.exp %y : f32
// CHECK-NEXT:          tir.store %e, %Z[%uj, %ui] : f32
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
  sched.compute_inline %y
  transform.yield
}

// -----

// reverse_compute_inline: the element-wise consumer is computed where its
// input is produced, storing straight into %Z.
// CHECK-LABEL: tir.func @chain
// CHECK-NOT:     tir.alloc_buffer
// CHECK:         tir.for %i = 0 to n {
// CHECK-NEXT:      tir.for %j = 0 to m {
// CHECK-NEXT:        tir.block "Y" (%vi = spatial[n] %i, %vj = spatial[m] %j) {
// CHECK-NEXT:          %x = tir.load %X[%vi, %vj] : f32
// CHECK-NEXT:          %two = arith.constant 2.000000e+00 : f32
// CHECK-NEXT:          %y = arith.mulf %x, %two : f32
// CHECK-NEXT:          %e = math.exp %y : f32
// CHECK-NEXT:          tir.store %e, %Z[%vj, %vi] : f32
// CHECK-NOT:     tir.block "Z"
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
  %z = sched.get_block {name = "Z"}
  sched.reverse_compute_inline %z
  transform.yield
}

// -----

// decompose_reduction at %r: the init becomes block "C_init" right before the
// reduce loop, over the spatial loops inside it (none here).
// CHECK-LABEL: tir.func @mm_exp
// CHECK:         tir.for %i = 0 to n {
// CHECK-NEXT:      tir.for %j = 0 to m {
// CHECK-NEXT:        tir.block "C_init" (%vi = spatial[n] %i, %vj = spatial[m] %j) {
// CHECK-NEXT:          %zero = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:          tir.store %zero, %C[%vi, %vj] : f32
// CHECK-NEXT:        }
// CHECK-NEXT:        tir.for %r = 0 to k {
// CHECK-NEXT:          tir.block "C" (%{{.*}} = spatial[n] %i, %{{.*}} = spatial[m] %j, %{{.*}} = reduce[k] %r) {
// CHECK-NOT:             tir.init
// CHECK:                 tir.load %A
tir.func @mm_exp(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>, %D: !tir.buffer<[n, m], f32>) {
  %C = tir.alloc_buffer : !tir.buffer<[n, m], f32>
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.for %r = 0 to k {
        tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vr = reduce[k] %r) {
          tir.init {
            %zero = arith.constant 0.000000e+00 : f32
            tir.store %zero, %C[%vi, %vj] : f32
          }
          %a = tir.load %A[%vi, %vr] : f32
          %b = tir.load %B[%vr, %vj] : f32
          %p = arith.mulf %a, %b : f32
          %c = tir.load %C[%vi, %vj] : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %C[%vi, %vj] : f32
        }
      }
    }
  }
  tir.for %i2 = 0 to n {
    tir.for %j2 = 0 to m {
      tir.block "D" (%ui = spatial[n] %i2, %uj = spatial[m] %j2) {
        %x = tir.load %C[%ui, %uj] : f32
        %e = math.exp %x : f32
        tir.store %e, %D[%ui, %uj] : f32
      }
    }
  }
}
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %c = sched.get_block {name = "C"}
  %i, %j, %k = sched.get_loops %c {count = 3}
  %init = sched.decompose_reduction %c, %k
  transform.yield
}

// -----

// decompose_reduction at %i: the spatial loops inside it are copied for the init.
// CHECK-LABEL: tir.func @mm_exp
// CHECK:         tir.for %i_init = 0 to n {
// CHECK-NEXT:      tir.for %j_init = 0 to m {
// CHECK-NEXT:        tir.block "C_init" (%vi = spatial[n] %i_init, %vj = spatial[m] %j_init) {
// CHECK:         tir.for %i = 0 to n {
// CHECK-NEXT:      tir.for %j = 0 to m {
// CHECK-NEXT:        tir.for %r = 0 to k {
// CHECK-NEXT:          tir.block "C"
tir.func @mm_exp(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>, %D: !tir.buffer<[n, m], f32>) {
  %C = tir.alloc_buffer : !tir.buffer<[n, m], f32>
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.for %r = 0 to k {
        tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vr = reduce[k] %r) {
          tir.init {
            %zero = arith.constant 0.000000e+00 : f32
            tir.store %zero, %C[%vi, %vj] : f32
          }
          %a = tir.load %A[%vi, %vr] : f32
          %b = tir.load %B[%vr, %vj] : f32
          %p = arith.mulf %a, %b : f32
          %c = tir.load %C[%vi, %vj] : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %C[%vi, %vj] : f32
        }
      }
    }
  }
  tir.for %i2 = 0 to n {
    tir.for %j2 = 0 to m {
      tir.block "D" (%ui = spatial[n] %i2, %uj = spatial[m] %j2) {
        %x = tir.load %C[%ui, %uj] : f32
        %e = math.exp %x : f32
        tir.store %e, %D[%ui, %uj] : f32
      }
    }
  }
}
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %c = sched.get_block {name = "C"}
  %i, %j, %k = sched.get_loops %c {count = 3}
  %init = sched.decompose_reduction %c, %i
  transform.yield
}
