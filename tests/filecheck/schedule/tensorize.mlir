// RUN: relax-opt %s -p apply-schedule | filecheck %s
// RUN: relax-opt %s -p apply-schedule,convert-tir-to-std | filecheck %s --check-prefix=LOWER

// tensorize onto the code generator's register_tile micro-kernel: a 4-row x
// 16-lane tile with the reduction innermost is marked for the code generator,
// which keeps the 4 accumulator vectors in registers and issues one fma per
// row and k step.
// CHECK-LABEL: tir.func @matmul
// CHECK:         tir.for %i0 = 0 to 4 {
// CHECK-NEXT:      tir.for %j0 = 0 to 4 {
// CHECK-NEXT:        tir.for %i1 = 0 to 4 attributes {tir.tensorize = "register_tile"} {
// CHECK-NEXT:          tir.for %j1 = 0 to 16 {
// CHECK-NEXT:            tir.for %r = 0 to 24 {

// LOWER-LABEL: func.func @matmul
// The vector width is the host's (16 lanes with AVX-512, 8 with AVX2: two
// vectors per 16-lane row), so the checks accept either.
// LOWER:         scf.for {{.*}} iter_args({{.*}}) -> (vector<{{16|8}}xf32>, vector<{{16|8}}xf32>, vector<{{16|8}}xf32>, vector<{{16|8}}xf32>
// LOWER-COUNT-4: vector.fma {{.*}} : vector<{{16|8}}xf32>
tir.func @matmul(%A: !tir.buffer<[16, 24], f32>, %B: !tir.buffer<[24, 64], f32>, %C: !tir.buffer<[16, 64], f32>) {
  tir.for %i = 0 to 16 {
    tir.for %j = 0 to 64 {
      tir.for %r = 0 to 24 {
        tir.block "C" (%vi = spatial[16] %i, %vj = spatial[64] %j, %vk = reduce[24] %r) {
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
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %c = sched.get_block {name = "C"}
  %i, %j, %k = sched.get_loops %c {count = 3}
  %io, %ii = sched.split %i {factors = [-1, 4]}
  %jo, %ji = sched.split %j {factors = [-1, 16]}
  sched.reorder %io, %jo, %ii, %ji, %k
  sched.tensorize %ii {intrin = "register_tile"}
  transform.yield
}
