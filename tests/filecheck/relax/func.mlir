// RUN: relax-opt %s | filecheck %s
// RUN: relax-opt %s --print-op-generic | tee %t | relax-opt | filecheck %s
// RUN: filecheck %s --check-prefix=GENERIC --input-file %t

// relax.func: visibility, several parameters of every relax type, symbolic
// dims defined by parameters, attributes, and relax.return.

// CHECK-LABEL: relax.func @identity(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 4], f32> {
// CHECK-NEXT:    relax.return %x : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:  }
// GENERIC-LABEL: "relax.func"() <{sym_name = "identity", function_type = (!relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 4], f32>}> ({
// GENERIC-NEXT:  ^bb0(%x: !relax.tensor<[n, 4], f32>):
// GENERIC-NEXT:    "relax.return"(%x) : (!relax.tensor<[n, 4], f32>) -> ()
// GENERIC-NEXT:  }) : () -> ()
relax.func @identity(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 4], f32> {
  relax.return %x : !relax.tensor<[n, 4], f32>
}

// A private function; a parameter split over several lines; `k` is defined
// by the known value of a prim parameter.
// CHECK-LABEL: relax.func private @helper(%a: !relax.tensor<[n, m], f16>, %b: !relax.tensor<ndim=3, i8>, %c: !relax.tensor<*, f64>, %s: !relax.shape<[n, m]>, %p: !relax.prim<i64, k>, %o: !relax.object) -> !relax.prim<i64, k> {
// CHECK-NEXT:    relax.return %p : !relax.prim<i64, k>
// CHECK-NEXT:  }
// GENERIC-LABEL: "relax.func"() <{sym_name = "helper"
// GENERIC-SAME:  sym_visibility = "private"
relax.func private @helper(%a: !relax.tensor<[n, m], f16>, %b: !relax.tensor<ndim=3, i8>,
                           %c: !relax.tensor<*, f64>, %s: !relax.shape<[n, m]>,
                           %p: !relax.prim<i64, k>, %o: !relax.object)
    -> !relax.prim<i64, k> {
  relax.return %p : !relax.prim<i64, k>
}

// No parameters; an empty tuple as the result.
// CHECK-LABEL: relax.func @no_params() -> !relax.tuple<> {
// CHECK-NEXT:    %t = relax.tuple()
// CHECK-NEXT:    relax.return %t : !relax.tuple<>
// CHECK-NEXT:  }
relax.func @no_params() -> !relax.tuple<> {
  %t = relax.tuple()
  relax.return %t : !relax.tuple<>
}

// Returning a value whose type is more precise than the declared one.
// CHECK-LABEL: relax.func @forget_shape(%x: !relax.tensor<[n], f32>) -> !relax.tensor<ndim=1, f32> {
// CHECK-NEXT:    relax.return %x : !relax.tensor<[n], f32>
// CHECK-LABEL: relax.func @forget_all(%x: !relax.tensor<[n], f32>) -> !relax.object {
// CHECK-NEXT:    relax.return %x : !relax.tensor<[n], f32>
relax.func @forget_shape(%x: !relax.tensor<[n], f32>) -> !relax.tensor<ndim=1, f32> {
  relax.return %x : !relax.tensor<[n], f32>
}
relax.func @forget_all(%x: !relax.tensor<[n], f32>) -> !relax.object {
  relax.return %x : !relax.tensor<[n], f32>
}

// Provably equal dims written differently print the same (factors in
// alphabetical order).
// CHECK-LABEL: relax.func @canonical_dims(%x: !relax.tensor<[n, m], f32>, %y: !relax.tensor<[m * n], f32>) -> !relax.tensor<[m * n], f32> {
// CHECK-NEXT:    relax.return %y : !relax.tensor<[m * n], f32>
relax.func @canonical_dims(%x: !relax.tensor<[n, m], f32>, %y: !relax.tensor<[m * n], f32>)
    -> !relax.tensor<[n * m], f32> {
  relax.return %y : !relax.tensor<[n * m], f32>
}

// Extra attributes are kept.
// CHECK-LABEL: relax.func @with_attrs(%x: !relax.tensor<[n], f32>) -> !relax.object attributes {global_symbol = "with_attrs"} {
// GENERIC-LABEL: "relax.func"() <{sym_name = "with_attrs"
// GENERIC:       }) {global_symbol = "with_attrs"} : () -> ()
relax.func @with_attrs(%x: !relax.tensor<[n], f32>) -> !relax.object
    attributes {global_symbol = "with_attrs"} {
  relax.return %x : !relax.tensor<[n], f32>
}
