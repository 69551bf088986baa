// A kernel with two outputs, and a function returning a tuple.
// Run:  relax-opt examples/multi_output.mlir -p convert-relax-to-std
// @minmax writes the element-wise minimum and maximum of X and Y.
tir.func @minmax(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>,
                 %Lo: !tir.buffer<[n], f32>, %Hi: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "minmax" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %y = tir.load %Y[%vi] : f32
      %lo = arith.minimumf %x, %y : f32
      %hi = arith.maximumf %x, %y : f32
      tir.store %lo, %Lo[%vi] : f32
      tir.store %hi, %Hi[%vi] : f32
    }
  }
}

// (min(x, y), max(x, y), the shape of x)
relax.func @main(%x: !relax.tensor<[n], f32>, %y: !relax.tensor<[n], f32>)
    -> !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>, !relax.shape<[n]>> {
  %lo, %hi = relax.dataflow {
    %a, %b = relax.call_tir @minmax(%x, %y) : (!relax.tensor<[n], f32>, !relax.tensor<[n], f32>)
    relax.output %a, %b : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  }
  %s = relax.shape_of %x
  %t = relax.tuple(%lo, %hi, %s)
  relax.return %t : !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>, !relax.shape<[n]>>
}
