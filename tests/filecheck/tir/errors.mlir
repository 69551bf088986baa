// RUN: relax-opt %s --split-input-file --verify-diagnostics | tee %t | filecheck %s
// RUN: not grep -n "builtin.module" %t

// tir verifier and parser errors, each at the offending op or token.

tir.func @load_rank(%X: !tir.buffer<[n, 4], f32>) {
  tir.for %i = 0 to n {
    // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:5: error: tir.load: buffer of rank 2 indexed with 1 indices
    %x = tir.load %X[%i] : f32
  }
}

// -----

tir.func @load_type(%X: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:28: error: tir.load result type f16 does not match the buffer dtype f32
    %x = tir.load %X[%i] : f16
  }
}

// -----

tir.func @load_type_generic(%X: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:5: error: tir.load: value type f16 does not match the buffer dtype f32
    %x = "tir.load"(%X, %i) : (!tir.buffer<[n], f32>, index) -> f16
  }
}

// -----

tir.func @load_not_buffer(%X: !tir.buffer<[n], f32>, %f: f32) {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:17: error: tir.load expects a buffer, got a value of type f32
  %x = tir.load %f[%f] : f32
}

// -----

tir.func @index_not_index(%X: !tir.buffer<[n], f32>, %f: f32) {
  // CHECK:      {{.*}}errors.mlir:[[# @LINE + 2]]:3: error: operand 'indices' at position 1 does not verify:
  // CHECK-NEXT: f32 should be of base attribute index
  %x = tir.load %X[%f] : f32
}

// -----

tir.func @store_type(%X: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    %c = arith.constant 1.0 : f16
    // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:28: error: tir.store: the stored value has type f16, not f32
    tir.store %c, %X[%i] : f32
  }
}

// -----

tir.func @store_type_generic(%X: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    %c = arith.constant 1.0 : f16
    // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:5: error: tir.store: value type f16 does not match the buffer dtype f32
    "tir.store"(%c, %X, %i) : (f16, !tir.buffer<[n], f32>, index) -> ()
  }
}

// -----

tir.func @store_rank(%X: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    %c = arith.constant 1.0 : f32
    // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:5: error: tir.store: buffer of rank 1 indexed with 2 indices
    tir.store %c, %X[%i, %i] : f32
  }
}

// -----

tir.func @init_without_reduce(%X: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:5: error: block "b" has a tir.init but no reduce iteration variable
    tir.block "b" (%vi = spatial[n] %i) {
      tir.init {
        %zero = arith.constant 0.0 : f32
        tir.store %zero, %X[%vi] : f32
      }
    }
  }
}

// -----

tir.func @init_not_first(%X: !tir.buffer<[n], f32>, %S: !tir.buffer<[1], f32>) {
  tir.for %i = 0 to n {
    // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:5: error: block "b": tir.init must be the first op of the block
    tir.block "b" (%vi = reduce[n] %i) {
      %c0 = arith.constant 0 : index
      tir.init {
        %zero = arith.constant 0.0 : f32
        tir.store %zero, %S[%c0] : f32
      }
    }
  }
}

// -----

tir.func @init_outside_block(%X: !tir.buffer<[n], f32>) {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: 'tir.init' expects parent op 'tir.block'
  tir.init {
  }
}

// -----

tir.func @loop_kind_generic(%X: !tir.buffer<[n], f32>) {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: unknown loop kind 'sideways' (expected one of serial, parallel, vectorized, unrolled)
  "tir.for"() <{lower = #tir.expr<0>, upper = #tir.expr<n>, kind = "sideways"}> ({
  ^bb0(%i: index):
  }) : () -> ()
}

// -----

tir.func @loop_kind(%X: !tir.buffer<[n], f32>) {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:11: error: Expected block argument!
  tir.for sideways %i = 0 to n {
  }
}

// -----

tir.func @loop_step(%X: !tir.buffer<[n], f32>) {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:23: error: Expected region!
  tir.for %i = 0 to n step 2 {
  }
}

// -----

tir.func @loop_args(%X: !tir.buffer<[n], f32>) {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: tir.for body must have exactly one index argument
  "tir.for"() <{lower = #tir.expr<0>, upper = #tir.expr<n>, kind = "serial"}> ({
  ^bb0(%i: index, %j: index):
  }) : () -> ()
}

// -----

tir.func @undefined_loop_bound(%X: !tir.buffer<[n], f32>) {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: symbolic variable 'm' in the bounds of a tir.for is not defined: the kernel @undefined_loop_bound defines ['n'] (a variable is defined by standing alone as a dim of a buffer parameter, or by sym(...))
  tir.for %i = 0 to m {
  }
}

// -----

// n * 2 does not define n; sym(...) would.
// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:1: error: symbolic variable 'n' in the type of parameter #0 of @composite_dim_only is not defined: it must stand alone as a dim of a buffer parameter, or be listed in sym(...)
tir.func @composite_dim_only(%X: !tir.buffer<[n * 2], f32>) {
  tir.for %i = 0 to n {
  }
}

// -----

tir.func @undefined_block_domain(%X: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:5: error: symbolic variable 'm' in the domain of block "b" is not defined
    tir.block "b" (%vi = spatial[m] %i) {
    }
  }
}

// -----

tir.func @undefined_expr(%X: !tir.buffer<[n], f32>) {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: symbolic variable 'q' in tir.expr is not defined
  %v = tir.expr n * q : index
}

// -----

tir.func @undefined_alloc(%X: !tir.buffer<[n], f32>) {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:3: error: symbolic variable 'p' in the type of a buffer made by tir.alloc_buffer is not defined
  %t = tir.alloc_buffer : !tir.buffer<[p], f32>
}

// -----

tir.func @expr_type(%X: !tir.buffer<[n], f32>) {
  // CHECK:      {{.*}}errors.mlir:[[# @LINE + 2]]:3: error: result 'result' at position 0 does not verify:
  // CHECK-NEXT: Unexpected attribute f32
  %v = tir.expr n : f32
}

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:1: error: tir.func @returns must not return values (it writes its outputs into buffer parameters)
"tir.func"() <{sym_name = "returns", function_type = (!tir.buffer<[n], f32>) -> f32, sym_args = []}> ({
^bb0(%X: !tir.buffer<[n], f32>):
}) : () -> ()

// -----

// The custom form has no place for result types.
// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:53: error: Expected region!
tir.func @returns_custom(%X: !tir.buffer<[n], f32>) -> f32 {
}

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:1: error: tir.func parameter type !relax.tensor<[n], f32> is neither a buffer nor a scalar
tir.func @tensor_param(%X: !relax.tensor<[n], f32>) {
}

// -----

// CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:1: error: entry block argument types do not match the function type
"tir.func"() <{sym_name = "block_args", function_type = (!tir.buffer<[n], f32>) -> (), sym_args = []}> ({
^bb0(%X: !tir.buffer<[n], f16>):
}) : () -> ()

// -----

tir.func @iter_kind(%X: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:26: error: Expected one of 'reduce', 'spatial' (iteration variable kind)
    tir.block "b" (%vi = sideways[n] %i) {
    }
  }
}

// -----

tir.func @iter_kind_generic(%X: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:5: error: block "b": unknown iteration kind 'sideways' (expected spatial or reduce)
    "tir.block"(%i) <{block_name = "b", iter_kinds = ["sideways"], iter_doms = [#tir.expr<n>]}> ({
    ^bb0(%vi: index):
    }) : (index) -> ()
  }
}

// -----

tir.func @iter_count(%X: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:5: error: block "b": the numbers of iteration variables, kinds, domains and bindings differ
    "tir.block"(%i) <{block_name = "b", iter_kinds = ["spatial", "reduce"], iter_doms = [#tir.expr<n>]}> ({
    ^bb0(%vi: index):
    }) : (index) -> ()
  }
}

// -----

tir.func @if_cond(%X: !tir.buffer<[n], f32>, %c: i32) {
  // CHECK:      {{.*}}errors.mlir:[[# @LINE + 2]]:3: error: operand 'cond' at position 0 does not verify:
  // CHECK-NEXT: Expected attribute i1 but got i32
  tir.if %c {
  }
}

// -----

tir.func @undefined_index(%X: !tir.buffer<[n], f32>) {
  // CHECK: {{.*}}errors.mlir:[[# @LINE + 1]]:20: error: '%nope' is not defined at this point
  %x = tir.load %X[%nope] : f32
}
