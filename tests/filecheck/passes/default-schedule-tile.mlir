// Contractions become register tiles for the register_tile micro-kernel; the
// tile plan follows the target CPU (6 rows x 64 lanes with AVX-512, 6 x 16 with AVX2).
// RUN: relax-opt %s --split-input-file -p 'default-schedule{target=avx512}' | filecheck %s --check-prefix=AVX512
// RUN: relax-opt %s --split-input-file -p 'default-schedule{target=avx2}' | filecheck %s --check-prefix=AVX2
// RUN: relax-opt %s --split-input-file -p 'default-schedule{target=avx512 parallel=false}' | filecheck %s --check-prefix=SERIAL
// RUN: relax-opt %s --split-input-file -p 'default-schedule{target=avx512}' | relax-opt --split-input-file | filecheck %s --check-prefix=AVX512

// A matmul with symbolic rows: full 6-row tiles in a loop of n floordiv 6,
// then a loop of 1-row tiles for the rest; lanes 200 = 3 x 64 + a tile of 8.
// AVX512-LABEL: tir.func @matmul
// AVX512:         tir.for parallel %vj_o = 0 to 3 {
// AVX512-NEXT:      tir.for %vi_o = 0 to n floordiv 6 {
// AVX512-NEXT:        tir.for %vi_i = 0 to 6 attributes {tir.tensorize = "register_tile"} {
// AVX512-NEXT:          tir.for %vj_i = 0 to 64 {
// AVX512:                 tir.for %r = 0 to 40 {
// AVX512:                   tir.block "C" (%{{.*}} = spatial[n] %{{.*}}, %{{.*}} = spatial[200] %{{.*}}, %{{.*}} = reduce[40] %r) {
// AVX512-NEXT:                tir.init {
// AVX512:               tir.for %vi_r = (n floordiv 6) * 6 to n {
// AVX512-NEXT:            tir.for %vi_i_1 = 0 to 1 attributes {tir.tensorize = "register_tile"} {
// AVX512-NEXT:              tir.for %vj_i_1 = 0 to 64 {
// AVX512:             tir.for %{{.*}} = 0 to 8 {

// AVX2-LABEL: tir.func @matmul
// AVX2:         tir.for parallel %vj_o = 0 to 12 {
// AVX2-NEXT:      tir.for %vi_o = 0 to n floordiv 6 {
// AVX2-NEXT:        tir.for %vi_i = 0 to 6 attributes {tir.tensorize = "register_tile"} {
// AVX2-NEXT:          tir.for %vj_i = 0 to 16 {

// SERIAL-LABEL: tir.func @matmul
// SERIAL-NOT:     parallel
tir.func @matmul(%A: !tir.buffer<[n, 40], f32>, %B: !tir.buffer<[40, 200], f32>, %C: !tir.buffer<[n, 200], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 0 to 200 {
      tir.for %r = 0 to 40 {
        tir.block "C" (%vi = spatial[n] %i, %vj = spatial[200] %j, %vk = reduce[40] %r) {
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

// -----

// A stride-1 NCHW convolution: lanes along the output width (56 lanes taken
// whole: 3 x 16 + 8), rows along output channels (the weight is broadcast, the
// input row is loaded once for all 6 channels); parallel over output rows.
// AVX512-LABEL: tir.func @conv
// AVX512:         tir.for %n = 0 to 1 {
// AVX512-NEXT:      tir.for parallel %y = 0 to 56 {
// AVX512-NEXT:        tir.for %vo_o = 0 to 10 {
// AVX512-NEXT:          tir.for %vo_i = 0 to 6 attributes {tir.tensorize = "register_tile"} {
// AVX512-NEXT:            tir.for %vx_i = 0 to 56 {
// AVX512:                   tir.for %rc = 0 to 64 {
// AVX512-NEXT:                tir.for %ry = 0 to 3 {
// AVX512-NEXT:                  tir.for %rx = 0 to 3 {
// AVX512:               tir.for %vo_i_1 = 0 to 4 attributes {tir.tensorize = "register_tile"} {
tir.func @conv(%X: !tir.buffer<[1, 64, 58, 58], f32>, %W: !tir.buffer<[64, 64, 3, 3], f32>, %Y: !tir.buffer<[1, 64, 56, 56], f32>) {
  tir.for %n = 0 to 1 {
    tir.for %o = 0 to 64 {
      tir.for %y = 0 to 56 {
        tir.for %x = 0 to 56 {
          tir.for %rc = 0 to 64 {
            tir.for %ry = 0 to 3 {
              tir.for %rx = 0 to 3 {
                tir.block "Y" (%vn = spatial[1] %n, %vo = spatial[64] %o, %vy = spatial[56] %y, %vx = spatial[56] %x, %vc = reduce[64] %rc, %vr = reduce[3] %ry, %vs = reduce[3] %rx) {
                  tir.init {
                    %zero = arith.constant 0.000000e+00 : f32
                    tir.store %zero, %Y[%vn, %vo, %vy, %vx] : f32
                  }
                  %h = arith.addi %vy, %vr : index
                  %w = arith.addi %vx, %vs : index
                  %a = tir.load %X[%vn, %vc, %h, %w] : f32
                  %b = tir.load %W[%vo, %vc, %vr, %vs] : f32
                  %p = arith.mulf %a, %b : f32
                  %c = tir.load %Y[%vn, %vo, %vy, %vx] : f32
                  %s = arith.addf %c, %p : f32
                  tir.store %s, %Y[%vn, %vo, %vy, %vx] : f32
                }
              }
            }
          }
        }
      }
    }
  }
}

// -----

// Left alone: the output's last index is not read contiguously by any operand
// (x @ W^T walks W across rows), and a stride-2 convolution's lanes step by 2.
// AVX512-LABEL: tir.func @linear
// AVX512-NOT:     tir.tensorize
// AVX512-LABEL: tir.func @strided
// AVX512-NOT:     tir.tensorize
tir.func @linear(%A: !tir.buffer<[8, 16], f32>, %W: !tir.buffer<[32, 16], f32>, %C: !tir.buffer<[8, 32], f32>) {
  tir.for %i = 0 to 8 {
    tir.for %j = 0 to 32 {
      tir.for %r = 0 to 16 {
        tir.block "C" (%vi = spatial[8] %i, %vj = spatial[32] %j, %vk = reduce[16] %r) {
          tir.init {
            %zero = arith.constant 0.000000e+00 : f32
            tir.store %zero, %C[%vi, %vj] : f32
          }
          %a = tir.load %A[%vi, %vk] : f32
          %b = tir.load %W[%vj, %vk] : f32
          %c = tir.load %C[%vi, %vj] : f32
          %p = arith.mulf %a, %b : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %C[%vi, %vj] : f32
        }
      }
    }
  }
}
tir.func @strided(%X: !tir.buffer<[33], f32>, %W: !tir.buffer<[4, 3], f32>, %Y: !tir.buffer<[4, 16], f32>) {
  tir.for %o = 0 to 4 {
    tir.for %x = 0 to 16 {
      tir.for %rx = 0 to 3 {
        tir.block "Y" (%vo = spatial[4] %o, %vx = spatial[16] %x, %vs = reduce[3] %rx) {
          tir.init {
            %zero = arith.constant 0.000000e+00 : f32
            tir.store %zero, %Y[%vo, %vx] : f32
          }
          %c2 = arith.constant 2 : index
          %x2 = arith.muli %vx, %c2 : index
          %w = arith.addi %x2, %vs : index
          %a = tir.load %X[%w] : f32
          %b = tir.load %W[%vo, %vs] : f32
          %p = arith.mulf %a, %b : f32
          %c = tir.load %Y[%vo, %vx] : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %Y[%vo, %vx] : f32
        }
      }
    }
  }
}

// -----

// A deep reduction: B's 4608 x 64 panel (1.2 MB) is over 192 KB, so the
// reduction runs in chunks of 128 steps (a 32 KB panel; with AVX2 4608 x 16
// lanes, chunks of 512) with every row tile
// inside a chunk; the init becomes a nest of its own that zeroes C first and
// the tiles accumulate into C.
// AVX512-LABEL: tir.func @deep_k
// AVX512:         tir.block "C_init"
// AVX512:       tir.for parallel %vj_o = 0 to 2 {
// AVX512-NEXT:    tir.for %vk_o = 0 to 36 {
// AVX512-NEXT:      tir.for %vi_o = 0 to 4 {
// AVX512-NEXT:        tir.for %vi_i = 0 to 6 attributes {tir.tensorize = "register_tile"} {
// AVX512-NEXT:          tir.for %vj_i = 0 to 64 {
// AVX512:                 tir.for %k = 0 to 128 {
// AVX512:                   %[[K:.*]] = arith.addi %{{.*}}, %k : index
// AVX512-NEXT:              tir.block "C" ({{.*}}, %vk = reduce[4608] %[[K]])
// AVX512-NOT:                 tir.init
// AVX2-LABEL:  tir.func @deep_k
// AVX2:          tir.for %vk_o = 0 to 9 {
// AVX2:                  tir.for %k = 0 to 512 {
// SERIAL-LABEL: tir.func @deep_k
// SERIAL-NOT:   parallel
tir.func @deep_k(%A: !tir.buffer<[24, 4608], f32>, %B: !tir.buffer<[4608, 128], f32>, %C: !tir.buffer<[24, 128], f32>) {
  tir.for %i = 0 to 24 {
    tir.for %j = 0 to 128 {
      tir.for %k = 0 to 4608 {
        tir.block "C" (%vi = spatial[24] %i, %vj = spatial[128] %j, %vk = reduce[4608] %k) {
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
