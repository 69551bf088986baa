// RUN: relax-opt %s | filecheck %s
// RUN: relax-opt %s --print-op-generic | tee %t | relax-opt | filecheck %s
// RUN: filecheck %s --check-prefix=GENERIC --input-file %t

// relax.constant: inline dense<...> values of several dtypes and ranks, and
// dense_resource<...> naming a blob in the file's dialect_resources.

// CHECK-LABEL: relax.func @inline() -> !relax.object {
// CHECK-NEXT:    %a = relax.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %b = relax.constant dense<{{\[\[}}1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
// CHECK-NEXT:    %c = relax.constant dense<5.000000e-01> : tensor<f64>
// CHECK-NEXT:    %d = relax.constant dense<true> : tensor<4xi1>
// CHECK-NEXT:    %e = relax.constant dense<-7> : tensor<2x2xi8>
// CHECK-NEXT:    %f = relax.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf16>
// CHECK-NEXT:    %t = relax.tuple(%a, %b, %c, %d, %e, %f)
// CHECK-NEXT:    relax.return %t : !relax.tuple<!relax.tensor<[2], f32>, !relax.tensor<[2, 3], i64>, !relax.tensor<[], f64>, !relax.tensor<[4], i1>, !relax.tensor<[2, 2], i8>, !relax.tensor<[2], f16>>
// GENERIC-LABEL: "relax.func"() <{sym_name = "inline"
// GENERIC:         %a = "relax.constant"() <{value = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>}> : () -> !relax.tensor<[2], f32>
relax.func @inline() -> !relax.object {
  %a = relax.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = relax.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %c = relax.constant dense<0.5> : tensor<f64>
  %d = relax.constant dense<true> : tensor<4xi1>
  %e = relax.constant dense<-7> : tensor<2x2xi8>
  %f = relax.constant dense<[1.0, 2.0]> : tensor<2xf16>
  %t = relax.tuple(%a, %b, %c, %d, %e, %f)
  relax.return %t : !relax.tuple<!relax.tensor<[2], f32>, !relax.tensor<[2, 3], i64>, !relax.tensor<[], f64>, !relax.tensor<[4], i1>, !relax.tensor<[2, 2], i8>, !relax.tensor<[2], f16>>
}

// The blob survives both round trips.
// CHECK-LABEL: relax.func @resource() -> !relax.tensor<[2, 2], f32> {
// CHECK-NEXT:    %w = relax.constant dense_resource<w1> : tensor<2x2xf32>
// CHECK-NEXT:    relax.return %w : !relax.tensor<[2, 2], f32>
// GENERIC-LABEL: "relax.func"() <{sym_name = "resource"
// GENERIC:         %w = "relax.constant"() <{value = dense_resource<w1> : tensor<2x2xf32>}> : () -> !relax.tensor<[2, 2], f32>
relax.func @resource() -> !relax.tensor<[2, 2], f32> {
  %w = relax.constant dense_resource<w1> : tensor<2x2xf32>
  relax.return %w : !relax.tensor<[2, 2], f32>
}

// CHECK:       {-#
// CHECK-NEXT:    dialect_resources: {
// CHECK-NEXT:      builtin: {
// CHECK-NEXT:        w1: "0x040000000000803F000000400000404000008040"
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:  #-}
// GENERIC:     w1: "0x040000000000803F000000400000404000008040"
{-#
  dialect_resources: {
    builtin: {
      w1: "0x040000000000803F000000400000404000008040"
    }
  }
#-}
