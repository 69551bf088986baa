// A tir matmul with a reduction block, called from relax with a symbolic batch n.
// Run:  relax-opt examples/matmul.mlir
// A kernel: C[i, j] = sum_k A[i, k] * B[k, j], for symbolic n, m, k.
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

relax.func @main(%x: !relax.tensor<[n, 4], f32>, %w: !relax.tensor<ndim=2, f32>)
    -> !relax.tensor<[n, 8], f32> {
  %w8 = relax.match_cast %w : !relax.tensor<[4, 8], f32>   // checked at run time
  %out = relax.dataflow {
    %y = relax.call_tir @matmul(%x, %w8) : !relax.tensor<[n, 8], f32>
    relax.output %y : !relax.tensor<[n, 8], f32>
  }
  relax.return %out : !relax.tensor<[n, 8], f32>
}
