// RUN: relax-opt %s -p annotate-op-pattern | filecheck %s

// One kernel per class, from the most to the least fusable.

// CHECK: tir.func @exp({{.*}}) attributes {op_pattern = "elemwise"}
tir.func @exp(%X: !tir.buffer<[n, m], f32>, %Y: !tir.buffer<[n, m], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.block "exp" (%vi = spatial[n] %i, %vj = spatial[m] %j) {
        %x = tir.load %X[%vi, %vj] : f32
        %e = math.exp %x : f32
        tir.store %e, %Y[%vi, %vj] : f32
      }
    }
  }
}

// A load that indexes a subsequence of the block's vars.
// CHECK: tir.func @add_bias({{.*}}) attributes {op_pattern = "broadcast"}
tir.func @add_bias(%X: !tir.buffer<[n, m], f32>, %B: !tir.buffer<[m], f32>,
                   %Y: !tir.buffer<[n, m], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.block "add_bias" (%vi = spatial[n] %i, %vj = spatial[m] %j) {
        %x = tir.load %X[%vi, %vj] : f32
        %b = tir.load %B[%vj] : f32
        %s = arith.addf %x, %b : f32
        tir.store %s, %Y[%vi, %vj] : f32
      }
    }
  }
}

// The vars in another order.
// CHECK: tir.func @transpose({{.*}}) attributes {op_pattern = "injective"}
tir.func @transpose(%X: !tir.buffer<[n, m], f32>, %Y: !tir.buffer<[m, n], f32>) {
  tir.for %i = 0 to m {
    tir.for %j = 0 to n {
      tir.block "transpose" (%vi = spatial[m] %i, %vj = spatial[n] %j) {
        %x = tir.load %X[%vj, %vi] : f32
        tir.store %x, %Y[%vi, %vj] : f32
      }
    }
  }
}

// CHECK: tir.func @row_sum({{.*}}) attributes {op_pattern = "reduction"}
tir.func @row_sum(%X: !tir.buffer<[n, m], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.for %k = 0 to m {
      tir.block "row_sum" (%vi = spatial[n] %i, %vk = reduce[m] %k) {
        tir.init {
          %zero = arith.constant 0.000000e+00 : f32
          tir.store %zero, %Y[%vi] : f32
        }
        %x = tir.load %X[%vi, %vk] : f32
        %y = tir.load %Y[%vi] : f32
        %s = arith.addf %y, %x : f32
        tir.store %s, %Y[%vi] : f32
      }
    }
  }
}

// CHECK: tir.func @matmul({{.*}}) attributes {op_pattern = "out_ewise_fusable"}
tir.func @matmul(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>,
                 %C: !tir.buffer<[n, m], f32>) {
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

// A conditional inside the block.
// CHECK: tir.func @cond_copy({{.*}}) attributes {op_pattern = "opaque"}
tir.func @cond_copy(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "cond_copy" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %zero = arith.constant 0.000000e+00 : f32
      %pos = arith.cmpf ogt, %x, %zero : f32
      tir.if %pos {
        tir.store %x, %Y[%vi] : f32
      } else {
        tir.store %zero, %Y[%vi] : f32
      }
    }
  }
}

// A kernel without blocks.
// CHECK: tir.func @no_blocks({{.*}}) attributes {op_pattern = "opaque"}
tir.func @no_blocks(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    %x = tir.load %X[%i] : f32
    tir.store %x, %Y[%i] : f32
  }
}

// A gather: the index comes from loaded data.
// CHECK: tir.func @gather({{.*}}) attributes {op_pattern = "injective"}
tir.func @gather(%X: !tir.buffer<[n], f32>, %I: !tir.buffer<[m], i64>, %Y: !tir.buffer<[m], f32>) {
  tir.for %i = 0 to m {
    tir.block "gather" (%vi = spatial[m] %i) {
      %j64 = tir.load %I[%vi] : i64
      %j = arith.index_cast %j64 : i64 to index
      %x = tir.load %X[%j] : f32
      tir.store %x, %Y[%vi] : f32
    }
  }
}

// Several blocks: the least fusable wins (elemwise then a reduction).
// CHECK: tir.func @exp_then_sum({{.*}}) attributes {op_pattern = "reduction"}
tir.func @exp_then_sum(%X: !tir.buffer<[n, m], f32>, %Y: !tir.buffer<[n], f32>) {
  %T = tir.alloc_buffer : !tir.buffer<[n, m], f32>
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.block "exp" (%vi = spatial[n] %i, %vj = spatial[m] %j) {
        %x = tir.load %X[%vi, %vj] : f32
        %e = math.exp %x : f32
        tir.store %e, %T[%vi, %vj] : f32
      }
    }
  }
  tir.for %i2 = 0 to n {
    tir.for %k = 0 to m {
      tir.block "sum" (%vi = spatial[n] %i2, %vk = reduce[m] %k) {
        tir.init {
          %zero = arith.constant 0.000000e+00 : f32
          tir.store %zero, %Y[%vi] : f32
        }
        %x = tir.load %T[%vi, %vk] : f32
        %y = tir.load %Y[%vi] : f32
        %s = arith.addf %y, %x : f32
        tir.store %s, %Y[%vi] : f32
      }
    }
  }
}
