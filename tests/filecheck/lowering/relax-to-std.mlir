// RUN: relax-opt %s -p convert-relax-to-std | filecheck %s
// RUN: relax-opt %s -p convert-relax-to-std,convert-std-to-llvm -t llvm | filecheck %s --check-prefix=LLVM

// convert-relax-to-std: each relax.func becomes a public func.func
//   @f(params..., constants..., %err: memref<?xi64>, %out: memref<?xi64>) -> i32
// call_tir allocates its outputs and calls the lowered kernel; match_cast
// checks become cf.cond_br to a block that reports the dims and returns the
// error code; results are stored into %out; intermediates are freed.

tir.func @add(%X: !tir.buffer<[n, m], f32>, %B: !tir.buffer<[m], f32>, %Y: !tir.buffer<[n, m], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.block "a" (%vi = spatial[n] %i, %vj = spatial[m] %j) {
        %x = tir.load %X[%vi, %vj] : f32
        %b = tir.load %B[%vj] : f32
        %y = arith.addf %x, %b : f32
        tir.store %y, %Y[%vi, %vj] : f32
      }
    }
  }
}
tir.func @fold(%X: !tir.buffer<[h * 2], f32>, %Y: !tir.buffer<[h], f32>) sym(h) {
}
tir.func @scale(%X: !tir.buffer<[2], f32>, %W: !tir.buffer<[2], f32>, %Y: !tir.buffer<[2], f32>) {
}

// The kernel becomes a func.func over memrefs (its own checks are in tir-to-std.mlir).
// CHECK-LABEL: func.func @add(%X: memref<?x?xf32>, %B: memref<?xf32>, %Y: memref<?x?xf32>) attributes {tir.kernel = "add"} {
// CHECK:         scf.for
// CHECK:         func.return

// match_cast binds nothing new here (m comes from %x): it checks dim 0 of %b
// against m and reports the actual dim through %err; two call_tir's, the
// first result is an intermediate (freed), the second is returned.
// CHECK-LABEL: func.func @main(%x: memref<?x?xf32>, %b: memref<?xf32>, %err: memref<?xi64>, %out: memref<?xi64>) -> i32
// CHECK-SAME:    relax.errors = ["{{.*}}relax-to-std.mlir:[[# @LINE + 40]]:3: relax.match_cast: the value has dims %s, expected [m]", "{{.*}}relax-to-std.mlir:[[# @LINE + 42]]:5: a tensor of shape %s is too large to allocate", "out of memory allocating a tensor of shape %s", {{.*}}], relax.signature
// CHECK-SAME:    = (!relax.tensor<[n, m], f32>, !relax.tensor<ndim=1, f32>) -> !relax.tensor<[n, m], f32>
// CHECK-SAME:    relax.constants = []
// CHECK:         %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[N:.*]] = memref.dim %x, %[[C0]] : memref<?x?xf32>
// CHECK-NEXT:    %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[M:.*]] = memref.dim %x, %[[C1]] : memref<?x?xf32>
// CHECK-NEXT:    %[[BD:.*]] = memref.dim %b, %[[C0]] : memref<?xf32>
// CHECK-NEXT:    %[[BAD:.*]] = arith.cmpi ne, %[[BD]], %[[M]] : index
// CHECK-NEXT:    cf.cond_br %[[BAD]], ^[[FAIL:.*]], ^[[OK:.*]]
// CHECK-NEXT:  ^[[FAIL]]:
// CHECK:         memref.store %{{.*}}, %err[%{{.*}}] : memref<?xi64>
// CHECK:         %[[ACT:.*]] = arith.index_cast %[[BD]] : index to i64
// CHECK-NEXT:    memref.store %[[ACT]], %err[%{{.*}}] : memref<?xi64>
// CHECK-NEXT:    %[[CODE:.*]] = arith.constant 1 : i32
// CHECK-NEXT:    func.return %[[CODE]] : i32
// CHECK-NEXT:  ^[[OK]]:
// Before each allocation: the element count must not exceed 2**40 (no overflow) ...
// CHECK:         arith.divui
// CHECK:         cf.cond_br
// CHECK:         %[[T:.*]] = memref.alloc(%[[N]], %[[M]]) {alignment = 64 : i64} : memref<?x?xf32>
// ... and after it, the pointer must not be null.
// CHECK-NEXT:    %[[TP:.*]] = "memref.extract_aligned_pointer_as_index"(%[[T]])
// CHECK:         arith.cmpi eq, %[[TP]]
// CHECK:         func.call @add(%x, %b, %[[T]]) : (memref<?x?xf32>, memref<?xf32>, memref<?x?xf32>) -> ()
// CHECK:         %[[R:.*]] = memref.alloc(%[[N]], %[[M]]) {alignment = 64 : i64} : memref<?x?xf32>
// CHECK:         func.call @add(%[[T]], %b, %[[R]]) : (memref<?x?xf32>, memref<?xf32>, memref<?x?xf32>) -> ()
// CHECK-NEXT:    %[[P:.*]] = "memref.extract_aligned_pointer_as_index"(%[[R]]) : (memref<?x?xf32>) -> index
// CHECK-NEXT:    %[[P64:.*]] = arith.index_cast %[[P]] : index to i64
// CHECK-NEXT:    %[[S0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    memref.store %[[P64]], %out[%[[S0]]] : memref<?xi64>
// CHECK:         memref.store %{{.*}}, %out[%{{.*}}] : memref<?xi64>
// CHECK:         memref.store %{{.*}}, %out[%{{.*}}] : memref<?xi64>
// CHECK-NEXT:    memref.dealloc %[[T]] : memref<?x?xf32>
// CHECK-NOT:     memref.dealloc %[[R]]
// CHECK-NEXT:    %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    func.return %[[ZERO]] : i32
// CHECK-NEXT:  }
relax.func @main(%x: !relax.tensor<[n, m], f32>, %b: !relax.tensor<ndim=1, f32>)
    -> !relax.tensor<[n, m], f32> {
  %bm = relax.match_cast %b : !relax.tensor<[m], f32>
  %out = relax.dataflow {
    %y = relax.call_tir @add(%x, %bm) : !relax.tensor<[n, m], f32>
    %z = relax.call_tir @add(%y, %bm) : !relax.tensor<[n, m], f32>
    relax.output %z : !relax.tensor<[n, m], f32>
  }
  relax.return %out : !relax.tensor<[n, m], f32>
}

// A shape parameter is one index per dim and defines n; the sym argument
// is passed after the buffers.
// CHECK-LABEL: func.func @sym(%s: index, %x: memref<?xf32>, %err: memref<?xi64>, %out: memref<?xi64>) -> i32
// CHECK-SAME:    relax.errors = ["{{.*}}too large to allocate", "out of memory {{.*}}"]
// CHECK:         %[[Y:.*]] = memref.alloc(%s) {alignment = 64 : i64} : memref<?xf32>
// CHECK:         func.call @fold(%x, %[[Y]], %s) : (memref<?xf32>, memref<?xf32>, index) -> ()
relax.func @sym(%s: !relax.shape<[n]>, %x: !relax.tensor<[n * 2], f32>) -> !relax.tensor<[n], f32> {
  %f = relax.call_tir @fold(%x) sym [n] : !relax.tensor<[n], f32>
  relax.return %f : !relax.tensor<[n], f32>
}

// A constant is a memref parameter after the relax parameters (its data stays
// in the relax.constants attribute, for the runtime to pass by pointer);
// static shapes give static memrefs and alloc() without operands.
// CHECK-LABEL: func.func @const(%x: memref<2xf32>, %w: memref<2xf32>, %err: memref<?xi64>, %out: memref<?xi64>) -> i32
// CHECK-SAME:    relax.constants = [dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>]
// CHECK:         %[[Y:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2xf32>
// CHECK-NOT:     arith.divui
// CHECK:         func.call @scale(%x, %w, %[[Y]]) : (memref<2xf32>, memref<2xf32>, memref<2xf32>) -> ()
relax.func @const(%x: !relax.tensor<[2], f32>) -> !relax.tensor<[2], f32> {
  %w = relax.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y = relax.call_tir @scale(%x, %w) : !relax.tensor<[2], f32>
  relax.return %y : !relax.tensor<[2], f32>
}

// shape_of reads memref.dim; prim_value computes n * 4 from it; a tuple of
// a shape and a prim value fills three %out slots.
// CHECK-LABEL: func.func @info(%x: memref<?x4xf32>, %err: memref<?xi64>, %out: memref<?xi64>) -> i32
// CHECK:         %[[N:.*]] = memref.dim %x, %[[C0:.*]] : memref<?x4xf32>
// CHECK:         %[[N4:.*]] = arith.muli %[[N]], %{{.*}} : index
// CHECK-NEXT:    %[[P:.*]] = arith.index_cast %[[N4]] : index to i64
// CHECK:         memref.store %{{.*}}, %out[%[[C0]]] : memref<?xi64>
// CHECK:         memref.store %{{.*}}, %out[%{{.*}}] : memref<?xi64>
// CHECK:         memref.store %[[P]], %out[%{{.*}}] : memref<?xi64>
// CHECK-NOT:     memref.alloc
// CHECK:         func.return
relax.func @info(%x: !relax.tensor<[n, 4], f32>) -> !relax.tuple<!relax.shape<[n, 4]>, !relax.prim<i64>> {
  %s = relax.shape_of %x
  %p = relax.prim_value n * 4 : i64
  %t = relax.tuple(%s, %p)
  relax.return %t : !relax.tuple<!relax.shape<[n, 4]>, !relax.prim<i64, n * 4>>
}

// relax.if on a bool scalar tensor: a load, cf.cond_br, and a merge block
// whose argument is the result; a branch yielding an argument yields a copy
// (the merge block owns its tensors).
// CHECK-LABEL: func.func @branch(%c: memref<i1>, %x: memref<2xf32>, %w: memref<2xf32>, %err: memref<?xi64>, %out: memref<?xi64>) -> i32
// CHECK-NEXT:    %[[C:.*]] = memref.load %c[] : memref<i1>
// CHECK-NEXT:    cf.cond_br %[[C]], ^[[THEN:.*]], ^[[ELSE:.*]]
// CHECK-NEXT:  ^[[THEN]]:
// CHECK-NEXT:    %{{.*}} = arith.constant 2 : index
// CHECK-NEXT:    %[[Y:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2xf32>
// (a null pointer from the allocation is an error: a check block, then)
// CHECK:         func.call @scale(%x, %w, %[[Y]])
// CHECK-NEXT:    cf.br ^[[MERGE:.*]](%[[Y]] : memref<2xf32>)
// CHECK-NEXT:  ^[[ELSE]]:
// CHECK:         %[[COPY:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2xf32>
// CHECK:         "memref.copy"(%x, %[[COPY]]) : (memref<2xf32>, memref<2xf32>) -> ()
// CHECK-NEXT:    cf.br ^[[MERGE]](%[[COPY]] : memref<2xf32>)
// CHECK-NEXT:  ^[[MERGE]](%[[R:.*]]: memref<2xf32>):
// CHECK-NEXT:    "memref.extract_aligned_pointer_as_index"(%[[R]])
// CHECK-NOT:     memref.dealloc
// CHECK:         func.return
relax.func @branch(%c: !relax.tensor<[], bool>, %x: !relax.tensor<[2], f32>) -> !relax.tensor<[2], f32> {
  %r = relax.if %c -> !relax.tensor<[2], f32> {
    %w = relax.constant dense<[3.0, 4.0]> : tensor<2xf32>
    %y = relax.call_tir @scale(%x, %w) : !relax.tensor<[2], f32>
    relax.yield %y : !relax.tensor<[2], f32>
  } else {
    relax.yield %x : !relax.tensor<[2], f32>
  }
  relax.return %r : !relax.tensor<[2], f32>
}

// No relax op is left.
// CHECK-NOT:   relax.

// LLVM IR: kernels are void functions, relax functions return i32; every
// memref is a descriptor struct; allocations go through aligned_alloc/free.
// LLVM-DAG:    declare ptr @"aligned_alloc"(i64 {{.*}}, i64 {{.*}})
// LLVM-DAG:    declare void @"free"(ptr {{.*}})
// LLVM-DAG:    define void @"add"({ptr, ptr, i64, [2 x i64], [2 x i64]} {{.*}}, {ptr, ptr, i64, [1 x i64], [1 x i64]} {{.*}}, {ptr, ptr, i64, [2 x i64], [2 x i64]} {{.*}})
// LLVM-LABEL:  define i32 @"main"({ptr, ptr, i64, [2 x i64], [2 x i64]} {{.*}}, {ptr, ptr, i64, [1 x i64], [1 x i64]} {{.*}}, {ptr, ptr, i64, [1 x i64], [1 x i64]} {{.*}}, {ptr, ptr, i64, [1 x i64], [1 x i64]} {{.*}})
// LLVM:          icmp ne i64
// LLVM:          ret i32 1
// LLVM:          call ccc ptr @"aligned_alloc"(i64 64,
// LLVM:          call ccc void @"add"(
// LLVM:          call ccc ptr @"aligned_alloc"(i64 64,
// LLVM:          call ccc void @"add"(
// LLVM:          call ccc void @"free"(
// LLVM:          ret i32 0
// LLVM-LABEL:  define i32 @"sym"(i64 {{.*}}, {ptr, ptr, i64, [1 x i64], [1 x i64]}
// LLVM:          call ccc void @"fold"({{.*}}, i64
// The constant is the second descriptor parameter: its values are not in the IR.
// LLVM-LABEL:  define i32 @"const"({ptr, ptr, i64, [1 x i64], [1 x i64]} %".1", {ptr, ptr, i64, [1 x i64], [1 x i64]} %".2", {ptr, ptr, i64, [1 x i64], [1 x i64]} %".3", {ptr, ptr, i64, [1 x i64], [1 x i64]} %".4")
// LLVM-NOT:      2.0
// LLVM-NOT:      0x4000000000000000
// A rank-0 memref is a descriptor without sizes and strides.
// LLVM-LABEL:  define i32 @"branch"({ptr, ptr, i64} %".1",
// LLVM:          br i1
