// RUN: relax-opt %s | filecheck %s
// RUN: relax-opt %s --print-op-generic | tee %t | relax-opt | filecheck %s
// RUN: filecheck %s --check-prefix=GENERIC --input-file %t

// tir: kernels with sym(...) and scalar parameters, loops of every kind,
// blocks with spatial and reduce variables and tir.init, loads and stores,
// local buffers, tir.if, tir.expr, and arith/math inside.

// CHECK-LABEL: tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
// CHECK-NEXT:    tir.for %i = 0 to n {
// CHECK-NEXT:      tir.block "exp" (%vi = spatial[n] %i) {
// CHECK-NEXT:        %x = tir.load %X[%vi] : f32
// CHECK-NEXT:        %e = math.exp %x : f32
// CHECK-NEXT:        tir.store %e, %Y[%vi] : f32
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// GENERIC-LABEL: "tir.func"() <{sym_name = "exp", function_type = (!tir.buffer<[n], f32>, !tir.buffer<[n], f32>) -> (), sym_args = []}> ({
// GENERIC-NEXT:  ^bb{{[0-9]+}}(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>):
// GENERIC-NEXT:    "tir.for"() <{lower = #tir.expr<0>, upper = #tir.expr<n>, kind = "serial"}> ({
// GENERIC-NEXT:    ^bb{{[0-9]+}}(%i: index):
// GENERIC-NEXT:      "tir.block"(%i) <{block_name = "exp", iter_kinds = ["spatial"], iter_doms = [#tir.expr<n>]}> ({
// GENERIC-NEXT:      ^bb{{[0-9]+}}(%vi: index):
// GENERIC-NEXT:        %x = "tir.load"(%X, %vi) : (!tir.buffer<[n], f32>, index) -> f32
// GENERIC-NEXT:        %e = "math.exp"(%x) <{fastmath = #arith.fastmath<none>}> : (f32) -> f32
// GENERIC-NEXT:        "tir.store"(%e, %Y, %vi) : (f32, !tir.buffer<[n], f32>, index) -> ()
// GENERIC-NEXT:      }) : (index) -> ()
// GENERIC-NEXT:    }) : () -> ()
// GENERIC-NEXT:  }) : () -> ()
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}

// A reduction: spatial and reduce variables, tir.init first.
// CHECK-LABEL: tir.func @matmul(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>, %C: !tir.buffer<[n, m], f32>) {
// CHECK-NEXT:    tir.for %i = 0 to n {
// CHECK-NEXT:      tir.for %j = 0 to m {
// CHECK-NEXT:        tir.for %r = 0 to k {
// CHECK-NEXT:          tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vk = reduce[k] %r) {
// CHECK-NEXT:            tir.init {
// CHECK-NEXT:              %zero = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:              tir.store %zero, %C[%vi, %vj] : f32
// CHECK-NEXT:            }
// CHECK-NEXT:            %a = tir.load %A[%vi, %vk] : f32
// CHECK-NEXT:            %b = tir.load %B[%vk, %vj] : f32
// CHECK-NEXT:            %c = tir.load %C[%vi, %vj] : f32
// CHECK-NEXT:            %p = arith.mulf %a, %b : f32
// CHECK-NEXT:            %s = arith.addf %c, %p : f32
// CHECK-NEXT:            tir.store %s, %C[%vi, %vj] : f32
// CHECK-NEXT:          }
// CHECK-NEXT:        }
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// GENERIC-LABEL: "tir.func"() <{sym_name = "matmul"
// GENERIC:         "tir.block"(%i, %j, %r) <{block_name = "C", iter_kinds = ["spatial", "spatial", "reduce"], iter_doms = [#tir.expr<n>, #tir.expr<m>, #tir.expr<k>]}> ({
// GENERIC-NEXT:    ^bb{{[0-9]+}}(%vi: index, %vj: index, %vk: index):
// GENERIC-NEXT:      "tir.init"() ({
tir.func @matmul(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>,
                 %C: !tir.buffer<[n, m], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.for %r = 0 to k {
        tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vk = reduce[k] %r) {
          tir.init {
            %zero = arith.constant 0.0 : f32
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

// Loop kinds, symbolic bounds, index arithmetic for block bindings.
// CHECK-LABEL: tir.func @loops(%X: !tir.buffer<[n * 16], f16>, %Y: !tir.buffer<[n * 16], f16>) sym(n) {
// CHECK-NEXT:    tir.for parallel %o = 0 to n {
// CHECK-NEXT:      tir.for unrolled %u = 0 to 4 {
// CHECK-NEXT:        tir.for vectorized %v = 0 to 4 {
// CHECK-NEXT:          %c16 = arith.constant 16 : index
// CHECK-NEXT:          %c4 = arith.constant 4 : index
// CHECK-NEXT:          %base = arith.muli %o, %c16 : index
// CHECK-NEXT:          %off = arith.muli %u, %c4 : index
// CHECK-NEXT:          %t = arith.addi %base, %off : index
// CHECK-NEXT:          %idx = arith.addi %t, %v : index
// CHECK-NEXT:          tir.block "copy" (%vi = spatial[n * 16] %idx) {
// CHECK-NEXT:            %x = tir.load %X[%vi] : f16
// CHECK-NEXT:            tir.store %x, %Y[%vi] : f16
// CHECK-NEXT:          }
// CHECK-NEXT:        }
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    tir.for %s = 1 to n - 1 {
// CHECK-NEXT:    }
// CHECK-NEXT:    tir.for %w = n floordiv 2 to min(n, 8) {
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// GENERIC-LABEL: "tir.func"() <{sym_name = "loops"
// GENERIC:         "tir.for"() <{lower = #tir.expr<0>, upper = #tir.expr<n>, kind = "parallel"}> ({
// GENERIC:         "tir.for"() <{lower = #tir.expr<0>, upper = #tir.expr<4>, kind = "unrolled"}> ({
// GENERIC:         "tir.for"() <{lower = #tir.expr<0>, upper = #tir.expr<4>, kind = "vectorized"}> ({
// GENERIC:         "tir.for"() <{lower = #tir.expr<1>, upper = #tir.expr<n - 1>, kind = "serial"}> ({
tir.func @loops(%X: !tir.buffer<[16 * n], f16>, %Y: !tir.buffer<[n * 16], f16>) sym(n) {
  tir.for parallel %o = 0 to n {
    tir.for unrolled %u = 0 to 4 {
      tir.for vectorized %v = 0 to 4 {
        %c16 = arith.constant 16 : index
        %c4 = arith.constant 4 : index
        %base = arith.muli %o, %c16 : index
        %off = arith.muli %u, %c4 : index
        %t = arith.addi %base, %off : index
        %idx = arith.addi %t, %v : index
        tir.block "copy" (%vi = spatial[n * 16] %idx) {
          %x = tir.load %X[%vi] : f16
          tir.store %x, %Y[%vi] : f16
        }
      }
    }
  }
  tir.for %s = 1 to n - 1 {
  }
  tir.for %w = n floordiv 2 to min(8, n) {
  }
}

// sym(...) variables, scalar parameters (f32 and index), tir.expr, a local
// buffer, tir.if with and without else, arith.select, math, i64/i8/bool dtypes.
// CHECK-LABEL: tir.func private @misc(%alpha: f32, %len: index, %X: !tir.buffer<[n], f32>, %M: !tir.buffer<[n], i1>, %Y: !tir.buffer<[t * 2], f32>, %K: !tir.buffer<[], i64>, %Q: !tir.buffer<[t], i8>) sym(t) {
// CHECK-NEXT:    %tmp = tir.alloc_buffer : !tir.buffer<[16, t], f32>
// CHECK-NEXT:    %nt = tir.expr n * t + 1 : index
// CHECK-NEXT:    %n64 = tir.expr n : i64
// CHECK-NEXT:    tir.store %n64, %K[] : i64
// CHECK-NEXT:    tir.for %i = 0 to n {
// CHECK-NEXT:      tir.block "scale" (%vi = spatial[n] %i) {
// CHECK-NEXT:        %m = tir.load %M[%vi] : i1
// CHECK-NEXT:        %x = tir.load %X[%vi] : f32
// CHECK-NEXT:        tir.if %m {
// CHECK-NEXT:          %ax = arith.mulf %alpha, %x : f32
// CHECK-NEXT:          %th = math.tanh %ax : f32
// CHECK-NEXT:          tir.store %th, %X[%vi] : f32
// CHECK-NEXT:        } else {
// CHECK-NEXT:          %zero = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:          %z = arith.select %m, %x, %zero : f32
// CHECK-NEXT:          tir.store %z, %X[%vi] : f32
// CHECK-NEXT:        }
// CHECK-NEXT:        %big = arith.cmpi ult, %vi, %len : index
// CHECK-NEXT:        tir.if %big {
// CHECK-NEXT:          %one = arith.constant 1 : i8
// CHECK-NEXT:          %c0 = arith.constant 0 : index
// CHECK-NEXT:          tir.store %one, %Q[%c0] : i8
// CHECK-NEXT:        }
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// GENERIC-LABEL: "tir.func"() <{sym_name = "misc"
// GENERIC-SAME:    sym_visibility = "private", sym_args = ["t"]}> ({
// GENERIC:         %tmp = "tir.alloc_buffer"() : () -> !tir.buffer<[16, t], f32>
// GENERIC-NEXT:    %nt = "tir.expr"() <{expr = #tir.expr<n * t + 1>}> : () -> index
// GENERIC:         "tir.if"(%m) ({
// GENERIC:         }, {
// GENERIC:         }) : (i1) -> ()
// GENERIC:         "tir.if"(%big) ({
// GENERIC-NEXT:      %one = "arith.constant"() <{value = 1 : i8}> : () -> i8
// GENERIC-NEXT:      %c0 = "arith.constant"() <{value = 0 : index}> : () -> index
// GENERIC-NEXT:      "tir.store"(%one, %Q, %c0) : (i8, !tir.buffer<[t], i8>, index) -> ()
// GENERIC-NEXT:    }) : (i1) -> ()
tir.func private @misc(%alpha: f32, %len: index, %X: !tir.buffer<[n], f32>,
                       %M: !tir.buffer<[n], bool>, %Y: !tir.buffer<[2 * t], f32>,
                       %K: !tir.buffer<[], i64>, %Q: !tir.buffer<[t], i8>) sym(t) {
  %tmp = tir.alloc_buffer : !tir.buffer<[16, t], f32>
  %nt = tir.expr t * n + 1 : index
  %n64 = tir.expr n : i64
  tir.store %n64, %K[] : i64
  tir.for %i = 0 to n {
    tir.block "scale" (%vi = spatial[n] %i) {
      %m = tir.load %M[%vi] : i1
      %x = tir.load %X[%vi] : f32
      tir.if %m {
        %ax = arith.mulf %alpha, %x : f32
        %th = math.tanh %ax : f32
        tir.store %th, %X[%vi] : f32
      } else {
        %zero = arith.constant 0.0 : f32
        %z = arith.select %m, %x, %zero : f32
        tir.store %z, %X[%vi] : f32
      }
      %big = arith.cmpi ult, %vi, %len : index
      tir.if %big {
        %one = arith.constant 1 : i8
        %c0 = arith.constant 0 : index
        tir.store %one, %Q[%c0] : i8
      }
    }
  }
}

// Several sym variables; a block with only reduce variables; f64.
// CHECK-LABEL: tir.func @sum(%X: !tir.buffer<[a * b], f64>, %S: !tir.buffer<[1], f64>) sym(a, b) {
// CHECK-NEXT:    tir.for %r = 0 to a * b {
// CHECK-NEXT:      %c0 = arith.constant 0 : index
// CHECK-NEXT:      tir.block "sum" (%vr = reduce[a * b] %r) {
// CHECK-NEXT:        tir.init {
// CHECK-NEXT:          %zero = arith.constant 0.000000e+00 : f64
// CHECK-NEXT:          tir.store %zero, %S[%c0] : f64
// CHECK-NEXT:        }
// CHECK-NEXT:        %x = tir.load %X[%vr] : f64
tir.func @sum(%X: !tir.buffer<[a * b], f64>, %S: !tir.buffer<[1], f64>) sym(a, b) {
  tir.for %r = 0 to a * b {
    %c0 = arith.constant 0 : index
    tir.block "sum" (%vr = reduce[a * b] %r) {
      tir.init {
        %zero = arith.constant 0.0 : f64
        tir.store %zero, %S[%c0] : f64
      }
      %x = tir.load %X[%vr] : f64
      %s = tir.load %S[%c0] : f64
      %t = arith.addf %s, %x : f64
      tir.store %t, %S[%c0] : f64
    }
  }
}
