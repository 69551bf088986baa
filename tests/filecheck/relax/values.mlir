// RUN: relax-opt %s | filecheck %s
// RUN: relax-opt %s --print-op-generic | tee %t | relax-opt | filecheck %s
// RUN: filecheck %s --check-prefix=GENERIC --input-file %t

// relax.tuple, relax.get_item, relax.shape_of, relax.shape, relax.prim_value.

// CHECK-LABEL: relax.func @shapes(%x: !relax.tensor<[n, m], f32>, %y: !relax.tensor<ndim=3, f32>, %z: !relax.tensor<*, f32>) -> !relax.tuple<!relax.shape<[n, m]>, !relax.shape<ndim=3>, !relax.shape<*>, !relax.shape<[m * n, 4, (n + 3) floordiv 4]>, !relax.shape<[]>> {
// CHECK-NEXT:    %s = relax.shape_of %x
// CHECK-NEXT:    %s3 = relax.shape_of %y
// CHECK-NEXT:    %su = relax.shape_of %z
// CHECK-NEXT:    %c = relax.shape [m * n, 4, (n + 3) floordiv 4]
// CHECK-NEXT:    %e = relax.shape []
// CHECK-NEXT:    %t = relax.tuple(%s, %s3, %su, %c, %e)
// CHECK-NEXT:    relax.return %t : !relax.tuple<!relax.shape<[n, m]>, !relax.shape<ndim=3>, !relax.shape<*>, !relax.shape<[m * n, 4, (n + 3) floordiv 4]>, !relax.shape<[]>>
// GENERIC-LABEL: "relax.func"() <{sym_name = "shapes"
// GENERIC:         %s = "relax.shape_of"(%x) : (!relax.tensor<[n, m], f32>) -> !relax.shape<[n, m]>
// GENERIC:         %s3 = "relax.shape_of"(%y) : (!relax.tensor<ndim=3, f32>) -> !relax.shape<ndim=3>
// GENERIC:         %su = "relax.shape_of"(%z) : (!relax.tensor<*, f32>) -> !relax.shape<*>
// GENERIC:         %c = "relax.shape"() <{dims = [#tir.expr<m * n>, #tir.expr<4>, #tir.expr<(n + 3) floordiv 4>]}> : () -> !relax.shape<[m * n, 4, (n + 3) floordiv 4]>
relax.func @shapes(%x: !relax.tensor<[n, m], f32>, %y: !relax.tensor<ndim=3, f32>,
                   %z: !relax.tensor<*, f32>)
    -> !relax.tuple<!relax.shape<[n, m]>, !relax.shape<ndim=3>, !relax.shape<*>,
                    !relax.shape<[n * m, 4, (n + 3) floordiv 4]>, !relax.shape<[]>> {
  %s = relax.shape_of %x
  %s3 = relax.shape_of %y
  %su = relax.shape_of %z
  %c = relax.shape [n * m, 4, (3 + n) floordiv 4]
  %e = relax.shape []
  %t = relax.tuple(%s, %s3, %su, %c, %e)
  relax.return %t : !relax.tuple<!relax.shape<[n, m]>, !relax.shape<ndim=3>, !relax.shape<*>, !relax.shape<[m * n, 4, (n + 3) floordiv 4]>, !relax.shape<[]>>
}

// CHECK-LABEL: relax.func @prims(%x: !relax.tensor<[n], f32>) -> !relax.prim<i64, n + 1> {
// CHECK-NEXT:    %p = relax.prim_value n + 1 : i64
// CHECK-NEXT:    %q = relax.prim_value 3 : i32
// CHECK-NEXT:    %b = relax.prim_value 1 : i1
// CHECK-NEXT:    %f = relax.prim_value n * 2 : f32
// CHECK-NEXT:    relax.return %p : !relax.prim<i64, n + 1>
// GENERIC-LABEL: "relax.func"() <{sym_name = "prims"
// GENERIC:         %p = "relax.prim_value"() <{value = #tir.expr<n + 1>}> : () -> !relax.prim<i64, n + 1>
// GENERIC:         %b = "relax.prim_value"() <{value = #tir.expr<1>}> : () -> !relax.prim<i1, 1>
relax.func @prims(%x: !relax.tensor<[n], f32>) -> !relax.prim<i64, n + 1> {
  %p = relax.prim_value 1 + n : i64
  %q = relax.prim_value 3 : i32
  %b = relax.prim_value 1 : bool
  %f = relax.prim_value 2 * n : f32
  relax.return %p : !relax.prim<i64, n + 1>
}

// CHECK-LABEL: relax.func @tuples(%x: !relax.tensor<[n, m], f32>, %p: !relax.prim<i64>) -> !relax.prim<i64> {
// CHECK-NEXT:    %s = relax.shape_of %x
// CHECK-NEXT:    %t = relax.tuple(%x, %s, %p)
// CHECK-NEXT:    %nest = relax.tuple(%t, %x)
// CHECK-NEXT:    %a = relax.get_item %t[0]
// CHECK-NEXT:    %inner = relax.get_item %nest[0]
// CHECK-NEXT:    %pp = relax.get_item %inner[2]
// CHECK-NEXT:    relax.return %pp : !relax.prim<i64>
// GENERIC-LABEL: "relax.func"() <{sym_name = "tuples"
// GENERIC:         %t = "relax.tuple"(%x, %s, %p) : (!relax.tensor<[n, m], f32>, !relax.shape<[n, m]>, !relax.prim<i64>) -> !relax.tuple<!relax.tensor<[n, m], f32>, !relax.shape<[n, m]>, !relax.prim<i64>>
// GENERIC:         %a = "relax.get_item"(%t) <{index = #tir.expr<0>}> : (!relax.tuple<!relax.tensor<[n, m], f32>, !relax.shape<[n, m]>, !relax.prim<i64>>) -> !relax.tensor<[n, m], f32>
relax.func @tuples(%x: !relax.tensor<[n, m], f32>, %p: !relax.prim<i64>) -> !relax.prim<i64> {
  %s = relax.shape_of %x
  %t = relax.tuple(%x, %s, %p)
  %nest = relax.tuple(%t, %x)
  %a = relax.get_item %t[0]
  %inner = relax.get_item %nest[0]
  %pp = relax.get_item %inner[2]
  relax.return %pp : !relax.prim<i64>
}
