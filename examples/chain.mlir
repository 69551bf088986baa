// A chain of three kernels in one dataflow block: y = relu(exp(x) + b),
// where the bias b is broadcast over the rows and relu is arith.maximumf.
// Run:  relax-opt examples/chain.mlir -p convert-relax-to-std
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

tir.func @relu(%X: !tir.buffer<[n, m], f32>, %Y: !tir.buffer<[n, m], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.block "relu" (%vi = spatial[n] %i, %vj = spatial[m] %j) {
        %x = tir.load %X[%vi, %vj] : f32
        %zero = arith.constant 0.000000e+00 : f32
        %r = arith.maximumf %x, %zero : f32
        tir.store %r, %Y[%vi, %vj] : f32
      }
    }
  }
}

relax.func @main(%x: !relax.tensor<[n, m], f32>, %b: !relax.tensor<[m], f32>)
    -> !relax.tensor<[n, m], f32> {
  %out = relax.dataflow {
    %e = relax.call_tir @exp(%x) : !relax.tensor<[n, m], f32>
    %s = relax.call_tir @add_bias(%e, %b) : !relax.tensor<[n, m], f32>
    %r = relax.call_tir @relu(%s) : !relax.tensor<[n, m], f32>
    relax.output %r : !relax.tensor<[n, m], f32>
  }
  relax.return %out : !relax.tensor<[n, m], f32>
}
