// RUN: relax-opt %s -p convert-tir-to-std | filecheck %s

// tir.for vectorized -> vector code (lowering/vectorize.py).

// Outer serial loop, inner vectorized loop of extent 16: one chunk of 16 lanes.
// Invariant code (the scalar load, constants) comes first, once; invariants
// are broadcast; the lane index %base + %j becomes lane 0's index (%j -> the
// lower bound).
// CHECK-LABEL: func.func @scale(
// CHECK:         scf.for %o = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      %c16 = arith.constant 16 : index
// CHECK-NEXT:      %base = arith.muli %o, %c16 : index
// CHECK-NEXT:      %c0 = arith.constant 0 : index
// CHECK-NEXT:      %s = memref.load %S[%c0] : memref<1xf32>
// CHECK-NEXT:      %one = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      %k = arith.addi %base, %[[LB:.*]] : index
// CHECK-NEXT:      %x = vector.load %X[%k] : memref<1024xf32>, vector<16xf32>
// CHECK-NEXT:      %e = math.exp %x : vector<16xf32>
// CHECK-NEXT:      %[[SV:.*]] = vector.broadcast %s : f32 to vector<16xf32>
// CHECK-NEXT:      %m = arith.mulf %e, %[[SV]] : vector<16xf32>
// CHECK-NEXT:      %[[ONE:.*]] = vector.broadcast %one : f32 to vector<16xf32>
// CHECK-NEXT:      %r = arith.addf %m, %[[ONE]] : vector<16xf32>
// CHECK-NEXT:      vector.store %r, %Y[%k] : memref<1024xf32>, vector<16xf32>
// CHECK-NEXT:    }
tir.func @scale(%X: !tir.buffer<[1024], f32>, %S: !tir.buffer<[1], f32>,
                %Y: !tir.buffer<[1024], f32>) {
  tir.for %o = 0 to 64 {
    tir.for vectorized %j = 0 to 16 {
      %c16 = arith.constant 16 : index
      %base = arith.muli %o, %c16 : index
      %k = arith.addi %base, %j : index
      %c0 = arith.constant 0 : index
      %s = tir.load %S[%c0] : f32
      %x = tir.load %X[%k] : f32
      %e = math.exp %x : f32
      %m = arith.mulf %e, %s : f32
      %one = arith.constant 1.0 : f32
      %r = arith.addf %m, %one : f32
      tir.store %r, %Y[%k] : f32
    }
  }
}

// A block inside the vectorized loop is inlined, its iteration variables
// replaced by their bindings; a scalar parameter is broadcast.
// CHECK-LABEL: func.func @rows(
// CHECK:         scf.for %i = %{{.*}} to %n step %{{.*}} {
// CHECK-NEXT:      %a = vector.load %A[%i, %[[Z:.*]]] : memref<?x8xf32>, vector<8xf32>
// CHECK-NEXT:      %[[SV:.*]] = vector.broadcast %s : f32 to vector<8xf32>
// CHECK-NEXT:      %p = arith.maximumf %a, %[[SV]] : vector<8xf32>
// CHECK-NEXT:      vector.store %p, %Y[%i, %[[Z]]] : memref<?x8xf32>, vector<8xf32>
// CHECK-NEXT:    }
tir.func @rows(%A: !tir.buffer<[n, 8], f32>, %s: f32, %Y: !tir.buffer<[n, 8], f32>) {
  tir.for %i = 0 to n {
    tir.for vectorized %j = 0 to 8 {
      tir.block "y" (%vi = spatial[n] %i, %vj = spatial[8] %j) {
        %a = tir.load %A[%vi, %vj] : f32
        %p = arith.maximumf %a, %s : f32
        tir.store %p, %Y[%vi, %vj] : f32
      }
    }
  }
}

// Extent 64 * 2 = 128 > 64: an scf.for over chunks of 16 lanes.
// CHECK-LABEL: func.func @chunks(
// CHECK:         %[[C16:.*]] = arith.constant 16 : index
// CHECK:         scf.for %j = %{{.*}} to %{{.*}} step %[[C16]] {
// CHECK-NEXT:      %x = vector.load %X[%j] : memref<128xi32>, vector<16xi32>
// CHECK-NEXT:      %d = arith.addi %x, %x : vector<16xi32>
// CHECK-NEXT:      vector.store %d, %Y[%j] : memref<128xi32>, vector<16xi32>
// CHECK-NEXT:    }
tir.func @chunks(%X: !tir.buffer<[128], i32>, %Y: !tir.buffer<[128], i32>) {
  tir.for vectorized %j = 0 to 128 {
    %x = tir.load %X[%j] : i32
    %d = arith.addi %x, %x : i32
    tir.store %d, %Y[%j] : i32
  }
}

// A reduction into an accumulator (a store to an address that does not
// depend on the loop variable): a vector accumulator from the identity
// (-0.0 for addf), reduced across lanes by halving, then added to S[0].
// CHECK-LABEL: func.func @rowsum(
// CHECK:         %[[ID:.*]] = arith.constant dense<-0.000000e+00> : vector<16xf32>
// CHECK-NEXT:    %x = vector.load %X[%{{.*}}] : memref<16xf32>, vector<16xf32>
// CHECK-NEXT:    %[[A:.*]] = arith.addf %[[ID]], %x : vector<16xf32>
// CHECK-NEXT:    %[[LO:.*]] = vector.shuffle %[[A]], %[[A]] [0, 1, 2, 3, 4, 5, 6, 7] : vector<16xf32>, vector<16xf32>
// CHECK-NEXT:    %[[HI:.*]] = vector.shuffle %[[A]], %[[A]] [8, 9, 10, 11, 12, 13, 14, 15] : vector<16xf32>, vector<16xf32>
// CHECK-NEXT:    arith.addf %[[LO]], %[[HI]] : vector<8xf32>
// CHECK-COUNT-3: arith.addf %{{.*}}, %{{.*}} : vector<{{[421]}}xf32>
// CHECK-NEXT:    %[[H:.*]] = vector.extract %{{.*}}[0] : f32 from vector<1xf32>
// CHECK-NEXT:    %acc = memref.load %S[%c0] : memref<1xf32>
// CHECK-NEXT:    %[[T:.*]] = arith.addf %acc, %[[H]] : f32
// CHECK-NEXT:    memref.store %[[T]], %S[%c0] : memref<1xf32>
tir.func @rowsum(%X: !tir.buffer<[16], f32>, %S: !tir.buffer<[1], f32>) {
  tir.for vectorized %j = 0 to 16 {
    %c0 = arith.constant 0 : index
    %acc = tir.load %S[%c0] : f32
    %x = tir.load %X[%j] : f32
    %t = arith.addf %acc, %x : f32
    tir.store %t, %S[%c0] : f32
  }
}

// A symbolic extent with a max-reduction: guarded by lo < hi; a main loop of
// 4 chunks of 16 lanes, each with its own accumulator; a loop over the
// remaining chunks; the 4 accumulators combined, reduced across lanes and
// folded into M[i]; then a scalar loop over the last m mod 16 iterations.
// CHECK-LABEL: func.func @rowmax(
// CHECK:         %[[C64:.*]] = arith.constant 64 : index
// CHECK:         scf.for %i =
// CHECK:           %[[NE:.*]] = arith.cmpi slt, %{{.*}}, %m : index
// CHECK-NEXT:      scf.if %[[NE]] {
// CHECK:             %[[ID:.*]] = arith.constant dense<0xff800000> : vector<16xf32>
// CHECK:             %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} = scf.for %j = %{{.*}} to %{{.*}} step %[[C64]] iter_args(%{{.*}} = %[[ID]], %{{.*}} = %[[ID]], %{{.*}} = %[[ID]], %{{.*}} = %[[ID]]) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>) {
// CHECK-COUNT-4:       arith.maximumf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK:               scf.yield
// CHECK:             scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<16xf32>) {
// CHECK:             arith.maximumf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK:             vector.shuffle
// CHECK:             %[[OLD:.*]] = memref.load %M[%i] : memref<?xf32>
// CHECK-NEXT:        %[[NEW:.*]] = arith.maximumf %[[OLD]], %{{.*}} : f32
// CHECK-NEXT:        memref.store %[[NEW]], %M[%i] : memref<?xf32>
// CHECK-NEXT:        scf.for %[[J:.*]] = %{{.*}} to %m step %{{.*}} {
// CHECK-NEXT:          %[[ACC:.*]] = memref.load %M[%i] : memref<?xf32>
// CHECK-NEXT:          %[[X:.*]] = memref.load %X[%i, %[[J]]] : memref<?x?xf32>
// CHECK-NEXT:          %t = arith.maximumf %[[ACC]], %[[X]] : f32
// CHECK-NEXT:          memref.store %t, %M[%i] : memref<?xf32>
// CHECK-NEXT:        }
tir.func @rowmax(%X: !tir.buffer<[n, m], f32>, %M: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.for vectorized %j = 0 to m {
      %acc = tir.load %M[%i] : f32
      %x = tir.load %X[%i, %j] : f32
      %t = arith.maximumf %acc, %x : f32
      tir.store %t, %M[%i] : f32
    }
  }
}

// The schedule's lane count (tir.vector_lanes) wins over the extent's divisors.
// CHECK-LABEL: func.func @lanes8(
// CHECK:         vector.load %X[%{{.*}}] : memref<96xf32>, vector<8xf32>
tir.func @lanes8(%X: !tir.buffer<[96], f32>, %Y: !tir.buffer<[96], f32>) {
  tir.for vectorized %j = 0 to 96 attributes {tir.vector_lanes = 8 : i64} {
    %x = tir.load %X[%j] : f32
    tir.store %x, %Y[%j] : f32
  }
}

// Falls back: a non-unit stride (%j * 2).
// CHECK-LABEL: func.func @stride2(
// CHECK-NOT:     vector.
// CHECK:         %x = memref.load %X[%j2] : memref<16xf32>
// CHECK-NEXT:    memref.store %x, %Y[%j] : memref<8xf32>
tir.func @stride2(%X: !tir.buffer<[16], f32>, %Y: !tir.buffer<[8], f32>) {
  tir.for vectorized %j = 0 to 8 {
    %c2 = arith.constant 2 : index
    %j2 = arith.muli %j, %c2 : index
    %x = tir.load %X[%j2] : f32
    tir.store %x, %Y[%j] : f32
  }
}

// Falls back: a select that depends on the loop variable.
// CHECK-LABEL: func.func @mask(
// CHECK-NOT:     vector.
// CHECK:         arith.select %lt, %x, %z : f32
// CHECK-NOT:     vector.
// CHECK:         func.return
tir.func @mask(%X: !tir.buffer<[16], f32>, %Y: !tir.buffer<[16], f32>) {
  tir.for vectorized %j = 0 to 16 {
    %c4 = arith.constant 4 : index
    %lt = arith.cmpi slt, %j, %c4 : index
    %x = tir.load %X[%j] : f32
    %z = arith.constant 0.0 : f32
    %v = arith.select %lt, %x, %z : f32
    tir.store %v, %Y[%j] : f32
  }
}
