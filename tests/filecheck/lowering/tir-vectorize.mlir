// RUN: relax-opt %s -p convert-tir-to-std | filecheck %s

// tir.for vectorized -> vector code (lowering/vectorize.py).

// Outer serial loop, inner vectorized loop of extent 16: one chunk of 16 lanes.
// The invariant load stays scalar and is broadcast; the lane index
// %base + %j becomes lane 0's index (%j -> the lower bound).
// CHECK-LABEL: func.func @scale(
// CHECK:         scf.for %o = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      %c16 = arith.constant 16 : index
// CHECK-NEXT:      %base = arith.muli %o, %c16 : index
// CHECK-NEXT:      %k = arith.addi %base, %[[LB:.*]] : index
// CHECK-NEXT:      %c0 = arith.constant 0 : index
// CHECK-NEXT:      %s = memref.load %S[%c0] : memref<1xf32>
// CHECK-NEXT:      %x = vector.load %X[%k] : memref<1024xf32>, vector<16xf32>
// CHECK-NEXT:      %e = math.exp %x : vector<16xf32>
// CHECK-NEXT:      %[[SV:.*]] = vector.broadcast %s : f32 to vector<16xf32>
// CHECK-NEXT:      %m = arith.mulf %e, %[[SV]] : vector<16xf32>
// CHECK-NEXT:      %one = arith.constant 1.000000e+00 : f32
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

// Falls back to a scalar loop: a store to an address that does not depend
// on the loop variable (a reduction into an accumulator).
// CHECK-LABEL: func.func @rowsum(
// CHECK-NOT:     vector.
// CHECK:         scf.for %j = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:      %c0 = arith.constant 0 : index
// CHECK-NEXT:      %acc = memref.load %S[%c0] : memref<1xf32>
// CHECK-NEXT:      %x = memref.load %X[%j] : memref<16xf32>
// CHECK-NEXT:      %t = arith.addf %acc, %x : f32
// CHECK-NEXT:      memref.store %t, %S[%c0] : memref<1xf32>
// CHECK-NEXT:    }
tir.func @rowsum(%X: !tir.buffer<[16], f32>, %S: !tir.buffer<[1], f32>) {
  tir.for vectorized %j = 0 to 16 {
    %c0 = arith.constant 0 : index
    %acc = tir.load %S[%c0] : f32
    %x = tir.load %X[%j] : f32
    %t = arith.addf %acc, %x : f32
    tir.store %t, %S[%c0] : f32
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
