// RUN: relax-opt %s -p 'default-pipeline{fold=false lower=true}' | filecheck %s
// A reduction loop of 2**63 - 1 iterations (a fuzzer find): choosing the
// reduction chunk must not search all divisors of the extent (it hung).
// CHECK: llvm.func @mm_exp
tir.func @mm_exp(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>, %D: !tir.buffer<[n, m], f32>) {
  %C = tir.alloc_buffer : !tir.buffer<[n, m], f32>
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.for %r = 0 to 9223372036854775807 {
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
