// RUN: relax-opt %s --split-input-file -p fuse-tir | filecheck %s

// An element-wise chain becomes one kernel with the primitive function's name
// and place: the intermediates are inlined (no tir.alloc_buffer left), the
// kernels' variables (n, m) are renamed to the caller's (k, 4).
// CHECK-LABEL: relax.func @main
// CHECK:         %{{.*}} = relax.call_tir @fused_exp_add_bias(%x, %b) : !relax.tensor<[k, 4], f32>
// CHECK-NOT:     relax.call @
// CHECK-LABEL: tir.func @fused_exp_add_bias(%x: !tir.buffer<[k, 4], f32>, %b: !tir.buffer<[4], f32>, %T_out: !tir.buffer<[k, 4], f32>) {
// CHECK-NOT:     tir.alloc_buffer
// CHECK:         tir.for %{{.*}} = 0 to k {
// CHECK-NEXT:      tir.for %{{.*}} = 0 to 4 {
// CHECK-NEXT:        tir.block "add_bias" (%[[I:.*]] = spatial[k] %{{.*}}, %[[J:.*]] = spatial[4] %{{.*}}) {
// CHECK-NEXT:          %[[X:.*]] = tir.load %x[%[[I]], %[[J]]] : f32
// CHECK-NEXT:          %[[E:.*]] = math.exp %[[X]] : f32
// CHECK-NEXT:          %[[B:.*]] = tir.load %b[%[[J]]] : f32
// CHECK-NEXT:          %[[S:.*]] = arith.addf %[[E]], %[[B]] : f32
// CHECK-NEXT:          tir.store %[[S]], %T_out[%[[I]], %[[J]]] : f32
// CHECK-NOT:     tir.alloc_buffer
// CHECK-NOT:   relax.func private
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
relax.func @main(%x: !relax.tensor<[k, 4], f32>, %b: !relax.tensor<[4], f32>) -> !relax.tensor<[k, 4], f32> {
  %out = relax.dataflow {
    %y = relax.call @fused_exp_add_bias(%x, %b) : !relax.tensor<[k, 4], f32>
    relax.output %y : !relax.tensor<[k, 4], f32>
  }
  relax.return %out : !relax.tensor<[k, 4], f32>
}
relax.func private @fused_exp_add_bias(%x: !relax.tensor<[k, 4], f32>, %b: !relax.tensor<[4], f32>) -> !relax.tensor<[k, 4], f32> attributes {relax.primitive} {
  %r = relax.dataflow {
    %e = relax.call_tir @exp(%x) : !relax.tensor<[k, 4], f32>
    %s = relax.call_tir @add_bias(%e, %b) : !relax.tensor<[k, 4], f32>
    relax.output %s : !relax.tensor<[k, 4], f32>
  }
  relax.return %r : !relax.tensor<[k, 4], f32>
}

// -----

// exp -> row_sum -> exp: the first exp is inlined into the reduction, the
// reduction's result stays a buffer local to the kernel.
// CHECK-LABEL: relax.func @main
// CHECK:         relax.call_tir @fused_exp_row_sum_exp1(%x) : !relax.tensor<[n], f32>
// CHECK-LABEL: tir.func @fused_exp_row_sum_exp1(%x: !tir.buffer<[n, m], f32>, %T_out: !tir.buffer<[n], f32>) {
// CHECK-NEXT:    %[[S:.*]] = tir.alloc_buffer : !tir.buffer<[n], f32>
// CHECK-NOT:     tir.alloc_buffer
// CHECK:         tir.block "row_sum"
// CHECK:           tir.load %x
// CHECK-NEXT:      math.exp
// CHECK:           tir.store %{{.*}}, %[[S]][%{{.*}}] : f32
// CHECK:         tir.block "exp1"
// CHECK-NEXT:      tir.load %[[S]]
// CHECK-NEXT:      math.exp
// CHECK-NEXT:      tir.store %{{.*}}, %T_out
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
tir.func @exp1(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp1" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
relax.func @main(%x: !relax.tensor<[n, m], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %y = relax.call @fused_exp_row_sum_exp1(%x) : !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}
relax.func private @fused_exp_row_sum_exp1(%x: !relax.tensor<[n, m], f32>) -> !relax.tensor<[n], f32> attributes {relax.primitive} {
  %r = relax.dataflow {
    %e = relax.call_tir @exp(%x) : !relax.tensor<[n, m], f32>
    %s = relax.call_tir @row_sum(%e) : !relax.tensor<[n], f32>
    %t = relax.call_tir @exp1(%s) : !relax.tensor<[n], f32>
    relax.output %t : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}

// -----

// Not fused: a function without relax.primitive, and a primitive function
// whose body is not only call_tir. Both calls stay.
// CHECK-LABEL: relax.func @main
// CHECK:         relax.call @plain(%x)
// CHECK-NEXT:    relax.call @not_only_calls(
// CHECK:       relax.func private @plain
// CHECK:       relax.func private @not_only_calls
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %y = relax.call @plain(%x) : !relax.tensor<[n], f32>
    %z = relax.call @not_only_calls(%y) : !relax.tensor<[n], f32>
    relax.output %z : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}
relax.func private @plain(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %r = relax.dataflow {
    %e = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    %f = relax.call_tir @exp(%e) : !relax.tensor<[n], f32>
    relax.output %f : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}
relax.func private @not_only_calls(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> attributes {relax.primitive} {
  %r = relax.dataflow {
    %e = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    %f = relax.relu %e : !relax.tensor<[n], f32>
    relax.output %f : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}
