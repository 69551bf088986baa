// RUN: relax-opt %s --split-input-file -p apply-schedule --verify-diagnostics | tee %t | filecheck %s
// RUN: not grep -n "builtin.module" %t

// Each primitive refuses an illegal use with a message at the line of its op,
// naming the block or loop and the reason.

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: get_block: no block "D" in the module (blocks: C)
  %d = sched.get_block {name = "D"}
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: sched.get_loops returned 3 handles, the op binds 2
  %i, %j = sched.get_loops %c {count = 2}
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: split: loop %i in @matmul has the symbolic extent n; leave one factor to inference (None or -1)
  %a, %b = sched.split %i {factors = [4, 8]}
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: split: at most one factor of loop %i in @matmul may be inferred (None or -1)
  %a, %b = sched.split %i {factors = [-1, -1]}
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: split: factors must be positive integers (or one None/-1), got 0 for loop %j in @matmul
  %a, %b = sched.split %j {factors = [-1, 0]}
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: split: loop %r in @matmul drives a reduce variable of block "C" in @matmul, which has an init: a remainder loop would run the init twice; use tail="guard" or decompose_reduction first
  %a, %b = sched.split %k {factors = [-1, 4], tail = "loop"}
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: fuse: the loops must be consecutive, outermost first: %i, %j, %r
  %f = sched.fuse %i, %k
  transform.yield
}

// -----

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
  %a, %b = sched.split %i {factors = [-1, 4]}
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: handle l1 no longer refers to anything: split replaced it
  sched.parallel %i
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: parallel: loop %r in @matmul drives the reduce variable %vk of block "C" in @matmul; its iterations accumulate into the same elements
  sched.parallel %k
  transform.yield
}

// -----

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
  sched.parallel %i
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: vectorize: loop %i in @matmul is already parallel
  sched.vectorize %i
  transform.yield
}

// -----

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
  %init = sched.decompose_reduction %c, %k
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: decompose_reduction: block "C" in @matmul has no tir.init
  %again = sched.decompose_reduction %c, %k
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: cache_read: block "C" in @matmul has no read buffer #2 (read buffers: 0: %A, 1: %B)
  %r = sched.cache_read %c {read_buffer_index = 2}
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: compute_at: block "D" in @mm_exp writes %D, a kernel parameter; only a producer of a local buffer can be computed where its consumers need it
  sched.compute_at %d, %i
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: reverse_compute_at: loop %r in @mm_exp drives the reduce variable %vr of block "C" in @mm_exp; its result is complete only after that loop
  sched.reverse_compute_at %d, %k
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: compute_inline: block "C" in @mm_exp is a reduction; only element-wise blocks can be inlined
  sched.compute_inline %c
  transform.yield
}

// -----

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
  %d = sched.get_block {name = "D"}
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: reverse_compute_inline: the producer block "C" in @mm_exp is a reduction; use reverse_compute_at instead
  sched.reverse_compute_inline %d
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: transform_layout: the index map is not one-to-one on %Y: (0, 1) and (1, 0) both go to (1,)
  sched.transform_layout %y {buffer = ["write", 0], index_map = affine_map<(d0, d1) -> (d0 + d1)>}
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: rfactor: loop %j in @matmul drives no reduce variable of block "C" in @matmul
  %rf = sched.rfactor %j
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: tensorize: no micro-kernel named 'no_such_kernel' (registered: {{.*}})
  sched.tensorize %i {intrin = "no_such_kernel"}
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: sched.split: unknown option 'factor' (options: factors, tail)
  sched.split %i {factor = [4]}
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: sched.split: the option 'factors' must be a list, got "4"
  sched.split %i {factors = "4"}
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: apply-schedule: arith.constant is not a schedule op (expected sched.*)
  %x = arith.constant 1 : index
  transform.yield
}

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:1: error: apply-schedule: no transform.named_sequence @__transform_main in the module
tir.func @nothing(%X: !tir.buffer<[4], f32>) {
}

// -----

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
  %i2, %j2 = sched.get_loops %d {count = 2}
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: reorder: loop %i2 in @mm_exp and loop %i in @mm_exp are not in one loop nest (neither is inside the other)
  sched.reorder %i2, %i
  transform.yield
}

// -----

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
  sched.vectorize %j
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: unroll: loop %j in @matmul is already vectorized
  sched.unroll %j
  transform.yield
}

// -----

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
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: sched.annotate: the option 'value' is required
  sched.annotate %i {key = "pragma"}
  transform.yield
}

// -----

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
  %init = sched.decompose_reduction %c, %k
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: cache_write: %C is also written outside block "C" in @matmul
  %wb = sched.cache_write %c {write_buffer_index = 0}
  transform.yield
}

// -----

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
  %f = sched.fuse %i, %j, %k
  %f0, %f1 = sched.split %f {factors = [-1, 4]}
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: blockize: loop %i_j_r_fused0 in @matmul drives both spatial and reduce variables of the blocks inside
  %o = sched.blockize %f1
  transform.yield
}
