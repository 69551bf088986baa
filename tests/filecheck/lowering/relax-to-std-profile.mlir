// RUN: relax-opt %s -p 'convert-relax-to-std{profile=true}' | filecheck %s

// With profile=true the host function takes %prof just before %err, reads the
// clock at entry, around each kernel call (adding calls, ns and the kernel's
// flops at this call: n * 2 here, one mulf and one addf per element) and
// before returning (runs, ns). The kernels are named in relax.profile_kernels.
// CHECK-LABEL: func.func @main(%x: memref<?xf32>, %prof: memref<?xi64>, %err: memref<?xi64>, %out: memref<?xi64>) -> i32
// CHECK-SAME:    relax.profile_kernels = ["axpb"], relax.profile_flops_known = [#builtin.int<1>]
// CHECK:         %[[START:.*]] = func.call @__relax_clock_ns() : () -> i64
// CHECK:         %[[N:.*]] = memref.dim %x, %{{.*}} : memref<?xf32>
// CHECK:         %[[FLOPS:.*]] = arith.muli %[[N]], %{{.*}} : index
// CHECK-NEXT:    %[[BEGIN:.*]] = func.call @__relax_clock_ns() : () -> i64
// CHECK-NEXT:    func.call @axpb(%x, %{{.*}}) : (memref<?xf32>, memref<?xf32>) -> ()
// CHECK-NEXT:    %[[END:.*]] = func.call @__relax_clock_ns() : () -> i64
// CHECK:         %[[CALLS:.*]] = memref.load %prof[%{{.*}}]
// CHECK:         arith.addi %[[CALLS]], %{{.*}} : i64
// CHECK:         %[[NS:.*]] = arith.subi %[[END]], %[[BEGIN]] : i64
// CHECK:         arith.addi %{{.*}}, %[[NS]] : i64
// CHECK:         arith.index_cast %[[FLOPS]] : index to i64
// CHECK:         %[[STOP:.*]] = func.call @__relax_clock_ns() : () -> i64
// CHECK:         arith.subi %[[STOP]], %[[START]] : i64
// CHECK:         func.return
// CHECK:       func.func private @__relax_clock_ns() -> i64
tir.func @axpb(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "axpb" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %a = arith.constant 3.0 : f32
      %ax = arith.mulf %x, %a : f32
      %y = arith.addf %ax, %a : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}

relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %y = relax.call_tir @axpb(%x) : !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}
