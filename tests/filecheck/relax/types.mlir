// RUN: relax-opt %s | filecheck %s
// RUN: relax-opt %s --print-op-generic | relax-opt | filecheck %s

// The text form of every relax type and of !tir.buffer, as results of a
// generic test op (so each type is checked on its own).

// CHECK-LABEL: builtin.module {

// Tensor with a symbolic shape.
// CHECK-NEXT:    %t0 = "test.op"() : () -> !relax.tensor<[n, 4], f32>
%t0 = "test.op"() : () -> !relax.tensor<[n, 4], f32>

// Dims print canonically.
// CHECK-NEXT:    %t1 = "test.op"() : () -> !relax.tensor<[n - 1, n * 2], f32>
%t1 = "test.op"() : () -> !relax.tensor<[n-1, 2 * n], f32>

// Rank 0.
// CHECK-NEXT:    %t2 = "test.op"() : () -> !relax.tensor<[], f64>
%t2 = "test.op"() : () -> !relax.tensor<[], f64>

// Rank only.
// CHECK-NEXT:    %t3 = "test.op"() : () -> !relax.tensor<ndim=2, bf16>
%t3 = "test.op"() : () -> !relax.tensor<ndim = 2, bf16>
// CHECK-NEXT:    %t4 = "test.op"() : () -> !relax.tensor<ndim=0, i16>
%t4 = "test.op"() : () -> !relax.tensor<ndim=0, i16>

// Unknown rank.
// CHECK-NEXT:    %t5 = "test.op"() : () -> !relax.tensor<*, ui8>
%t5 = "test.op"() : () -> !relax.tensor<*, ui8>

// Bool is i1.
// CHECK-NEXT:    %t6 = "test.op"() : () -> !relax.tensor<[2, 3], i1>
%t6 = "test.op"() : () -> !relax.tensor<[2, 3], bool>
// CHECK-NEXT:    %t7 = "test.op"() : () -> !relax.tensor<[2], i1>
%t7 = "test.op"() : () -> !relax.tensor<[2], i1>
// CHECK-NEXT:    %t8 = "test.op"() : () -> !relax.tensor<[8], i8>
%t8 = "test.op"() : () -> !relax.tensor<[8], i8>
// CHECK-NEXT:    %t9 = "test.op"() : () -> !relax.tensor<[8], i32>
%t9 = "test.op"() : () -> !relax.tensor<[8], i32>
// CHECK-NEXT:    %t10 = "test.op"() : () -> !relax.tensor<[8], i64>
%t10 = "test.op"() : () -> !relax.tensor<[8], i64>
// CHECK-NEXT:    %t11 = "test.op"() : () -> !relax.tensor<[8], f16>
%t11 = "test.op"() : () -> !relax.tensor<[8], f16>
// CHECK-NEXT:    %t12 = "test.op"() : () -> !relax.tensor<[8], f64>
%t12 = "test.op"() : () -> !relax.tensor<[8], f64>

// Shapes.
// CHECK-NEXT:    %t13 = "test.op"() : () -> !relax.shape<[n, n * 4]>
%t13 = "test.op"() : () -> !relax.shape<[n, 4 * n]>
// CHECK-NEXT:    %t14 = "test.op"() : () -> !relax.shape<[]>
%t14 = "test.op"() : () -> !relax.shape<[]>
// CHECK-NEXT:    %t15 = "test.op"() : () -> !relax.shape<ndim=0>
%t15 = "test.op"() : () -> !relax.shape<ndim=0>
// CHECK-NEXT:    %t16 = "test.op"() : () -> !relax.shape<ndim=3>
%t16 = "test.op"() : () -> !relax.shape<ndim=3>
// CHECK-NEXT:    %t17 = "test.op"() : () -> !relax.shape<*>
%t17 = "test.op"() : () -> !relax.shape<*>

// Tuples, nested.
// CHECK-NEXT:    %t18 = "test.op"() : () -> !relax.tuple<>
%t18 = "test.op"() : () -> !relax.tuple<>
// CHECK-NEXT:    %t19 = "test.op"() : () -> !relax.tuple<!relax.tensor<[n], f32>, !relax.shape<[n]>>
%t19 = "test.op"() : () -> !relax.tuple<!relax.tensor<[n], f32>, !relax.shape<[n]>>
// CHECK-NEXT:    %t20 = "test.op"() : () -> !relax.tuple<!relax.tuple<!relax.object>, !relax.prim<f16, 3>>
%t20 = "test.op"() : () -> !relax.tuple<!relax.tuple<!relax.object>, !relax.prim<f16, 3>>

// Opaque object.
// CHECK-NEXT:    %t21 = "test.op"() : () -> !relax.object
%t21 = "test.op"() : () -> !relax.object

// Prims, with and without a known value.
// CHECK-NEXT:    %t22 = "test.op"() : () -> !relax.prim<i64>
%t22 = "test.op"() : () -> !relax.prim<i64>
// CHECK-NEXT:    %t23 = "test.op"() : () -> !relax.prim<i64, n + 1>
%t23 = "test.op"() : () -> !relax.prim<i64, 1 + n>
// CHECK-NEXT:    %t24 = "test.op"() : () -> !relax.prim<i1>
%t24 = "test.op"() : () -> !relax.prim<bool>
// CHECK-NEXT:    %t25 = "test.op"() : () -> !relax.prim<i8, n mod 4>
%t25 = "test.op"() : () -> !relax.prim<i8, n mod 4>
// CHECK-NEXT:    %t26 = "test.op"() : () -> !relax.prim<f32>
%t26 = "test.op"() : () -> !relax.prim<f32>
// CHECK-NEXT:    %t27 = "test.op"() : () -> !relax.prim<f64, 0>
%t27 = "test.op"() : () -> !relax.prim<f64, 0>

// Tir buffers.
// CHECK-NEXT:    %t28 = "test.op"() : () -> !tir.buffer<[n, 4], f32>
%t28 = "test.op"() : () -> !tir.buffer<[n, 4], f32>
// CHECK-NEXT:    %t29 = "test.op"() : () -> !tir.buffer<[], f32>
%t29 = "test.op"() : () -> !tir.buffer<[], f32>
// CHECK-NEXT:    %t30 = "test.op"() : () -> !tir.buffer<[n, (m + 1) floordiv 2, 16], i64>
%t30 = "test.op"() : () -> !tir.buffer<[n, (m + 1) floordiv 2, 16], i64>
// CHECK-NEXT:    %t31 = "test.op"() : () -> !tir.buffer<[4], i1>
%t31 = "test.op"() : () -> !tir.buffer<[4], bool>
// CHECK-NEXT:    %t32 = "test.op"() : () -> !tir.buffer<[4], f16>
%t32 = "test.op"() : () -> !tir.buffer<[4], f16>
