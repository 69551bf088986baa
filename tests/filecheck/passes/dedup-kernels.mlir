// RUN: relax-opt %s --split-input-file -p dedup-kernels | filecheck %s

// @dbl_b is @dbl_a with other SSA names: it goes and its callers call @dbl_a.
// @dbl_c adds a different constant and @dbl_d is public: both stay.
// CHECK:       tir.func @dbl_a(
// CHECK-NOT:   tir.func @dbl_b
// CHECK:       tir.func @dbl_c(
// CHECK:       tir.func public @dbl_d(
// CHECK-NOT:   tir.func @dbl_b
// CHECK-LABEL: relax.func @main
// CHECK-NEXT:    %out = relax.dataflow {
// CHECK-NEXT:      %y0 = relax.call_tir @dbl_a(%x)
// CHECK-NEXT:      %y1 = relax.call_tir @dbl_a(%y0)
// CHECK-NEXT:      %y2 = relax.call_tir @dbl_c(%y1)
// CHECK-NEXT:      %y3 = relax.call_tir @dbl_d(%y2)
// CHECK-NEXT:      %y4 = relax.call_tir @dbl_a(%y3)
tir.func @dbl_a(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "dbl" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %c = arith.constant 2.0 : f32
      %y = arith.mulf %x, %c : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
tir.func @dbl_b(%A: !tir.buffer<[n], f32>, %B: !tir.buffer<[n], f32>) {
  tir.for %j = 0 to n {
    tir.block "dbl" (%vj = spatial[n] %j) {
      %a = tir.load %A[%vj] : f32
      %two = arith.constant 2.0 : f32
      %b = arith.mulf %a, %two : f32
      tir.store %b, %B[%vj] : f32
    }
  }
}
tir.func @dbl_c(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "dbl" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %c = arith.constant 2.5 : f32
      %y = arith.mulf %x, %c : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
tir.func public @dbl_d(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "dbl" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %c = arith.constant 2.0 : f32
      %y = arith.mulf %x, %c : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %y0 = relax.call_tir @dbl_a(%x) : !relax.tensor<[n], f32>
    %y1 = relax.call_tir @dbl_b(%y0) : !relax.tensor<[n], f32>
    %y2 = relax.call_tir @dbl_c(%y1) : !relax.tensor<[n], f32>
    %y3 = relax.call_tir @dbl_d(%y2) : !relax.tensor<[n], f32>
    %y4 = relax.call_tir @dbl_b(%y3) : !relax.tensor<[n], f32>
    relax.output %y4 : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}

// -----

// Operands are compared by position, not by name: @swap_b subtracts the other
// way round and stays. Kernels over differently named variables (m, not n) are
// not merged either.
// CHECK:       tir.func @sub_a(
// CHECK:       tir.func @sub_b(
// CHECK:       tir.func @sub_m(
// CHECK-LABEL: relax.func @main
// CHECK:         relax.call_tir @sub_a(%x, %x)
// CHECK:         relax.call_tir @sub_b(%x, %x)
// CHECK:         relax.call_tir @sub_m(%x, %x)
tir.func @sub_a(%X: !tir.buffer<[n], f32>, %Z: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "sub" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %z = tir.load %Z[%vi] : f32
      %y = arith.subf %x, %z : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
tir.func @sub_b(%X: !tir.buffer<[n], f32>, %Z: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "sub" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %z = tir.load %Z[%vi] : f32
      %y = arith.subf %z, %x : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
tir.func @sub_m(%X: !tir.buffer<[m], f32>, %Z: !tir.buffer<[m], f32>, %Y: !tir.buffer<[m], f32>) {
  tir.for %i = 0 to m {
    tir.block "sub" (%vi = spatial[m] %i) {
      %x = tir.load %X[%vi] : f32
      %z = tir.load %Z[%vi] : f32
      %y = arith.subf %x, %z : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %a = relax.call_tir @sub_a(%x, %x) : !relax.tensor<[n], f32>
    %b = relax.call_tir @sub_b(%x, %x) : !relax.tensor<[n], f32>
    %c = relax.call_tir @sub_m(%x, %x) : !relax.tensor<[n], f32>
    relax.output %c : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}

