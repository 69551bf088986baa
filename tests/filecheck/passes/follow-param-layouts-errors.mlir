// A malformed tir.param_layouts record (IR files are untrusted) is a located error.
// RUN: not relax-opt %s -p follow-param-layouts 2>&1 | filecheck %s --check-prefix=ERR

// ERR: follow-param-layouts-errors.mlir:[[# @LINE + 1]]:1: error: @bad: tir.param_layouts: entry 0 maps !tir.buffer<[n], f32> to [(n + 7) floordiv 8, 8], but the parameter is !tir.buffer<[(n + 3) floordiv 4, 4], f32>
tir.func @bad(%X: !tir.buffer<[(n + 3) floordiv 4, 4], f32>, %Y: !tir.buffer<[n], f32>) attributes {tir.param_layouts = {"0" = [affine_map<(d0) -> (d0 floordiv 8, d0 mod 8)>, !tir.buffer<[n], f32>]}} {
  tir.for %i = 0 to n {
    tir.block "Y" (%vi = spatial[n] %i) {
      %z = arith.constant 0 : index
      %x = tir.load %X[%z, %z] : f32
      tir.store %x, %Y[%vi] : f32
    }
  }
}
