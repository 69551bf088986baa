// RUN: relax-opt %s --split-input-file -p check-bounds | filecheck %s
// RUN: relax-opt %s --split-input-file -p check-bounds,convert-tir-to-std | filecheck %s --check-prefix=LOWER

// check-bounds proves accesses in bounds from loop ranges, block bindings and
// tir.if conditions, and marks the others for a run-time check.

// In bounds from the loop range (and a block binding): no check.
// CHECK-LABEL: tir.func @copy
// CHECK-NOT:     checked
// CHECK:         tir.store %x, %Y[%vi] : f32
tir.func @copy(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "copy" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      tir.store %x, %Y[%vi] : f32
    }
  }
}

// -----

// One past the end: a checked load, lowered to a test of the index against
// the dim, a load only when it passes, else the failure is recorded in %err
// (the check's number in %err[15]).
// CHECK-LABEL: tir.func @off_by_one
// CHECK:         %x = tir.load %X[%j] checked : f32
// CHECK:         tir.store %x, %Y[%i] : f32
// LOWER-LABEL: func.func @off_by_one(%X: memref<?xf32>, %Y: memref<?xf32>, %err: memref<?xi64>)
// LOWER:         %j = arith.addi %i, %c1 : index
// LOWER-NEXT:    %[[DIM:.*]] = memref.dim %X, %{{.*}} : memref<?xf32>
// LOWER-NEXT:    %[[OK:.*]] = arith.cmpi ult, %j, %[[DIM]] : index
// LOWER-NEXT:    %x = scf.if %[[OK]] -> (f32) {
// LOWER-NEXT:      %[[L:.*]] = memref.load %X[%j] : memref<?xf32>
// LOWER-NEXT:      scf.yield %[[L]] : f32
// LOWER-NEXT:    } else {
// LOWER:           memref.store %{{.*}}, %err[%{{.*}}] : memref<?xi64>
// LOWER:           %[[J:.*]] = arith.index_cast %j : index to i64
// LOWER:           memref.store %[[J]], %err[%{{.*}}] : memref<?xi64>
// LOWER:           %[[S:.*]] = arith.constant 15 : index
// LOWER-NEXT:      memref.store %{{.*}}, %err[%[[S]]] : memref<?xi64>
// LOWER:           scf.yield %{{.*}} : f32
tir.func @off_by_one(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    %c1 = arith.constant 1 : index
    %j = arith.addi %i, %c1 : index
    %x = tir.load %X[%j] : f32
    tir.store %x, %Y[%i] : f32
  }
}

// -----

// Reversed, shifted and strided indices.
// CHECK-LABEL: tir.func @indices
// CHECK-NOT:     checked
// CHECK:         tir.store %a, %Y[%i] : f32
tir.func @indices(%X: !tir.buffer<[n, 4], f32>, %Y: !tir.buffer<[n], f32>, %Z: !tir.buffer<[n * 2], f32>) {
  tir.for %i = 1 to n {
    %n1 = tir.expr n - 1 : index
    %r = arith.subi %n1, %i : index
    %c3 = arith.constant 3 : index
    %a = tir.load %X[%r, %c3] : f32
    %c2 = arith.constant 2 : index
    %s = arith.muli %i, %c2 : index
    %c1 = arith.constant 1 : index
    %t = arith.addi %s, %c1 : index
    tir.store %a, %Z[%t] : f32
    tir.store %a, %Y[%i] : f32
  }
}

// -----

// Register tiles: full tiles of 8, then the remainder loop; and tiles guarded
// by a tir.if, and tiles whose tail is a min() of the extent.
// CHECK-LABEL: tir.func @tiles
// CHECK-NOT:     checked
// CHECK:         tir.store %c, %Y[%m] : f32
tir.func @tiles(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  %c8 = arith.constant 8 : index
  %c = arith.constant 0.0 : f32
  tir.for %o = 0 to n floordiv 8 {
    tir.for %l = 0 to 8 {
      %b = arith.muli %o, %c8 : index
      %j = arith.addi %b, %l : index
      %x = tir.load %X[%j] : f32
      tir.store %x, %Y[%j] : f32
    }
  }
  tir.for %r = (n floordiv 8) * 8 to n {
    %x = tir.load %X[%r] : f32
    tir.store %x, %Y[%r] : f32
  }
  tir.for %o2 = 0 to (n + 7) floordiv 8 {
    tir.for %l2 = 0 to 8 {
      %b = arith.muli %o2, %c8 : index
      %j = arith.addi %b, %l2 : index
      %n = tir.expr n : index
      %in = arith.cmpi slt, %j, %n : index
      tir.if %in {
        %x = tir.load %X[%j] : f32
        tir.store %x, %Y[%j] : f32
      }
      %n1 = tir.expr n - 1 : index
      %m = arith.minsi %j, %n1 : index
      tir.store %c, %Y[%m] : f32
    }
  }
}

// -----

// An index loaded from memory (a gather) is checked; a load whose value a
// select keeps only where it is in bounds (a concatenation) is guarded.
// CHECK-LABEL: tir.func @gather_concat
// CHECK:         %x = tir.load %X[%j] checked : f32
// CHECK:         %a = tir.load %X[%i] guarded : f32
// CHECK:         %b = tir.load %Z[%k] guarded : f32
// CHECK:         tir.store %v, %Y[%i] : f32
tir.func @gather_concat(%X: !tir.buffer<[n], f32>, %Z: !tir.buffer<[m], f32>, %I: !tir.buffer<[n + m], i64>, %Y: !tir.buffer<[n + m], f32>) {
  tir.for %i = 0 to n + m {
    %j64 = tir.load %I[%i] : i64
    %j = arith.index_cast %j64 : i64 to index
    %x = tir.load %X[%j] checked : f32
    %n = tir.expr n : index
    %first = arith.cmpi slt, %i, %n : index
    %a = tir.load %X[%i] : f32
    %k = arith.subi %i, %n : index
    %b = tir.load %Z[%k] : f32
    %v = arith.select %first, %a, %b : f32
    tir.store %v, %Y[%i] : f32
  }
}

// -----

// A division by a value that may be 0 is checked; by a positive constant it
// is not. A loop extent that may overflow int64 is checked at entry, and so
// are sym(...) arguments and local buffers of dynamic size.
// CHECK-LABEL: tir.func @divisions(%X: !tir.buffer<[n], i32>, %Y: !tir.buffer<[n], i32>) sym(k) attributes {tir.entry_checks, tir.overflow_checks = [#tir.expr<k * n>]}
// CHECK:         %q = arith.divsi %x, %d {tir.checked} : i32
// CHECK:         %r = arith.remsi %x, %c4 : i32
tir.func @divisions(%X: !tir.buffer<[n], i32>, %Y: !tir.buffer<[n], i32>) sym(k) {
  %T = tir.alloc_buffer : !tir.buffer<[n], i32>
  tir.for %i = 0 to n {
    %x = tir.load %X[%i] : i32
    %d = tir.load %Y[%i] : i32
    %q = arith.divsi %x, %d : i32
    %c4 = arith.constant 4 : i32
    %r = arith.remsi %x, %c4 : i32
    %s = arith.addi %q, %r : i32
    tir.store %s, %T[%i] : i32
  }
  tir.for %j = 0 to n * k {
  }
}
