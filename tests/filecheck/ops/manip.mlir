// RUN: relax-opt %s -p legalize-ops | filecheck %s
// RUN: relax-opt %s | relax-opt | filecheck %s --check-prefix=ROUND

// Manipulation ops become copy kernels whose loads compute the source index;
// creation ops become kernels that only store a constant.

// ROUND-LABEL: relax.func @use_reshape
// ROUND:         relax.reshape %x {shape = [#tir.expr<n>, #tir.expr<-1>]} : !relax.tensor<[n, 12], f32>
// ROUND:         relax.reshape %x {shape = [#tir.expr<-1>, 8 : i64]} : !relax.tensor<[n + (n * 4) floordiv 8, 8], f32>
// ROUND:         relax.flatten %x : !relax.tensor<[n * 12], f32>
// ROUND:         relax.permute_dims %x {axes = [-1 : i64, 0 : i64, 1 : i64]} : !relax.tensor<[3, n, 4], f32>
// ROUND:         relax.permute_dims %x : !relax.tensor<[3, 4, n], f32>
// ROUND:         relax.expand_dims %x {axis = [0 : i64, -1 : i64]} : !relax.tensor<[1, n, 3, 1], f32>
// ROUND:         relax.squeeze %y : !relax.tensor<[n, 3], f32>
// ROUND:         relax.squeeze %y {axis = [0 : i64]} : !relax.tensor<[n, 3, 1], f32>
// ROUND:         relax.concat %a, %b, %c {axis = 0 : i64} : !relax.tensor<[m + n + 2, 4], f32>
// ROUND:         relax.split %x {indices_or_sections = 2 : i64, axis = -1 : i64} : !relax.tuple<!relax.tensor<[n, 3], f32>, !relax.tensor<[n, 3], f32>>
// ROUND:         relax.split %x {indices_or_sections = [1 : i64]} : !relax.tuple<!relax.tensor<[1, 6], f32>, !relax.tensor<[n - 1, 6], f32>>
// ROUND:         relax.strided_slice %x {axes = [0 : i64, 1 : i64], begin = [1 : i64, -1 : i64], end = [2147483647 : i64, -9 : i64], strides = [1 : i64, -2 : i64]} : !relax.tensor<[n - 1, 4], f32>
// ROUND:         relax.take %x, %i {axis = -1 : i64} : !relax.tensor<[n, k], f32>
// ROUND:         relax.pad %x {pad_width = {{\[\[}}1 : i64, 2 : i64], [0 : i64, 0 : i64]], pad_value = -1.000000e+00 : f64} : !relax.tensor<[n + 3, 4], f32>
// ROUND:         relax.broadcast_to %x {shape = [2 : i64, #tir.expr<n>, 4 : i64]} : !relax.tensor<[2, n, 4], f32>
// ROUND:         relax.full {shape = [#tir.expr<n * 2>], fill_value = 7 : i64, dtype = "i32"} : !relax.tensor<[n * 2], i32>
// ROUND:         relax.zeros {shape = [#tir.expr<n>, 2 : i64]} : !relax.tensor<[n, 2], f32>
// ROUND:         relax.ones {shape = [3 : i64], dtype = "f64"} : !relax.tensor<[3], f64>

// CHECK-LABEL: relax.func @use_reshape
// CHECK:         relax.call_tir @reshape(%x) : !relax.tensor<[n, 12], f32>
// CHECK:         relax.call_tir @reshape1(%x) : !relax.tensor<[n + (n * 4) floordiv 8, 8], f32>
// CHECK-LABEL: relax.func @use_split
// CHECK:         %[[A:.*]], %[[B:.*]] = relax.call_tir @split(%x) : (!relax.tensor<[n, 3], f32>, !relax.tensor<[n, 3], f32>)
// CHECK-NEXT:    %{{.*}} = relax.tuple(%[[A]], %[[B]])
// CHECK-LABEL: relax.func @use_creation
// CHECK:         relax.call_tir @full() sym [n] : !relax.tensor<[n * 2], i32>
// CHECK:         relax.call_tir @zeros() : !relax.tensor<[n, 2], f32>
// CHECK:         relax.call_tir @ones() : !relax.tensor<[3], f64>
// CHECK-NOT:     relax.reshape
// CHECK-NOT:     relax.split

// The shared leading dim n is indexed directly; the 12 unravels into [4, 3].
// CHECK:       tir.func @reshape(%x0: !tir.buffer<[n, 4, 3], f32>, %T_reshape: !tir.buffer<[n, 12], f32>)
// CHECK:         tir.block "T_reshape" (%vi0 = spatial[n] %i0, %vi1 = spatial[12] %i1)
// CHECK:           %[[THREE:.*]] = arith.constant 3 : index
// CHECK:           %[[ROW:.*]] = arith.floordivsi %vi1, %[[THREE]] : index
// CHECK:           %[[COL:.*]] = arith.subi %vi1, %{{.*}} : index
// CHECK:           tir.load %x0[%vi0, %[[ROW]], %[[COL]]] : f32
// A size only trusted (the -1 is a floordiv): the flat position is clamped into x.
// CHECK:       tir.func @reshape1(
// CHECK:           %[[LAST:.*]] = tir.expr n * 12 - 1 : index
// CHECK:           arith.minsi %{{.*}}, %[[LAST]] : index
// CHECK:       tir.func @flatten(%x0: !tir.buffer<[n, 4, 3], f32>, %T_flatten: !tir.buffer<[n * 12], f32>)
// CHECK:         tir.block "T_flatten" (%vi0 = spatial[n * 12] %i0)
// CHECK:           %[[TWELVE:.*]] = arith.constant 12 : index
// CHECK:           %[[I:.*]] = arith.floordivsi %vi0, %[[TWELVE]] : index
// CHECK:           tir.load %x0[%[[I]], %{{.*}}, %{{.*}}] : f32

// CHECK:       tir.func @permute_dims(%x0: !tir.buffer<[n, 4, 3], f32>, %T_permute_dims: !tir.buffer<[3, n, 4], f32>)
// CHECK:           tir.load %x0[%vi1, %vi2, %vi0] : f32
// CHECK:       tir.func @permute_dims1(
// CHECK:           tir.load %x0[%vi2, %vi1, %vi0] : f32
// CHECK:       tir.func @expand_dims(%x0: !tir.buffer<[n, 3], f32>, %T_expand_dims: !tir.buffer<[1, n, 3, 1], f32>)
// CHECK:           tir.load %x0[%vi1, %vi2] : f32
// CHECK:       tir.func @squeeze(%x0: !tir.buffer<[1, n, 3, 1], f32>, %T_squeeze: !tir.buffer<[n, 3], f32>)
// CHECK:           %[[Z:.*]] = arith.constant 0 : index
// CHECK:           tir.load %x0[%[[Z]], %vi0, %vi1, %[[Z]]] : f32

// concat: a select chain on the axis position; later operands read at an offset.
// Every operand is read at a clamped index (the select evaluates all of them).
// CHECK:       tir.func @concat(%x0: !tir.buffer<[n, 4], f32>, %x1: !tir.buffer<[m, 4], f32>, %x2: !tir.buffer<[2, 4], f32>, %T_concat: !tir.buffer<[m + n + 2, 4], f32>)
// CHECK:         tir.block "T_concat" (%vi0 = spatial[m + n + 2] %i0, %vi1 = spatial[4] %i1)
// CHECK:           %n = tir.expr n : index
// CHECK:           %[[IN0:.*]] = arith.cmpi slt, %vi0, %n : index
// CHECK:           %[[LAST0:.*]] = tir.expr n - 1 : index
// CHECK:           %[[C0:.*]] = arith.minsi %vi0, %[[LAST0]] : index
// CHECK:           %[[C0B:.*]] = arith.maxsi %[[C0]], %{{.*}} : index
// CHECK:           %[[V0:.*]] = tir.load %x0[%[[C0B]], %vi1] : f32
// CHECK:           %[[END1:.*]] = tir.expr m + n : index
// CHECK:           %[[IN1:.*]] = arith.cmpi slt, %vi0, %[[END1]] : index
// CHECK:           arith.subi %vi0, %n : index
// CHECK:           arith.minsi
// CHECK:           arith.maxsi
// CHECK:           %[[V1:.*]] = tir.load %x1[
// CHECK:           arith.subi %vi0, %[[END1]] : index
// CHECK:           %[[V2:.*]] = tir.load %x2[
// CHECK:           %[[S:.*]] = arith.select %[[IN1]], %[[V1]], %[[V2]] : f32
// CHECK:           arith.select %[[IN0]], %[[V0]], %[[S]] : f32

// split: one output buffer and one block per part.
// CHECK:       tir.func @split(%x0: !tir.buffer<[n, 6], f32>, %T_split0: !tir.buffer<[n, 3], f32>, %T_split1: !tir.buffer<[n, 3], f32>)
// CHECK:         tir.block "T_split0"
// CHECK:           tir.load %x0[%vi0, %vi1] : f32
// CHECK:         tir.block "T_split1"
// CHECK:           %[[OFF:.*]] = arith.constant 3 : index
// CHECK:           %[[P:.*]] = arith.addi %vi1_1, %[[OFF]] : index
// CHECK:           tir.load %x0[%vi0_1, %[[P]]] : f32
// CHECK:       tir.func @split1(%x0: !tir.buffer<[n, 6], f32>, %T_split0: !tir.buffer<[1, 6], f32>, %T_split1: !tir.buffer<[n - 1, 6], f32>)

// Static axis with stride -2 from 7; symbolic axis from 1 (provably inside: no clamp).
// CHECK:       tir.func @strided_slice(%x0: !tir.buffer<[n, 8], f32>, %T_strided_slice: !tir.buffer<[n - 1, 4], f32>)
// CHECK:         tir.block "T_strided_slice" (%vi0 = spatial[n - 1] %i0, %vi1 = spatial[4] %i1)
// CHECK:           %[[ONE:.*]] = arith.constant 1 : index
// CHECK:           %[[R:.*]] = arith.addi %vi0, %[[ONE]] : index
// CHECK:           %[[M2:.*]] = arith.constant -2 : index
// CHECK:           %[[T:.*]] = arith.muli %vi1, %[[M2]] : index
// CHECK:           %[[SEVEN:.*]] = arith.constant 7 : index
// CHECK:           %[[C:.*]] = arith.addi %[[T]], %[[SEVEN]] : index
// CHECK:           tir.load %x0[%[[R]], %[[C]]] : f32

// take: a negative index counts from the end, then clamps into [0, 3].
// CHECK:       tir.func @take(%x0: !tir.buffer<[n, 4], f32>, %x1: !tir.buffer<[k], i32>, %T_take: !tir.buffer<[n, k], f32>)
// CHECK:           %[[IDX:.*]] = tir.load %x1[%vi1] : i32
// CHECK:           %[[II:.*]] = arith.index_cast %[[IDX]] : i32 to index
// CHECK:           %[[NEG:.*]] = arith.cmpi slt, %[[II]], %{{.*}} : index
// CHECK:           %[[WRAP:.*]] = arith.select %[[NEG]], %{{.*}}, %[[II]] : index
// CHECK:           %[[HI:.*]] = arith.minsi %[[WRAP]], %{{.*}} : index
// CHECK:           %[[POS:.*]] = arith.maxsi %[[HI]], %{{.*}} : index
// CHECK:           tir.load %x0[%vi0, %[[POS]]] : f32

// pad: inside the padded window read x, else the pad value.
// CHECK:       tir.func @pad(%x0: !tir.buffer<[n, 4], f32>, %T_pad: !tir.buffer<[n + 3, 4], f32>)
// CHECK:           %[[GE:.*]] = arith.cmpi sge, %vi0, %{{.*}} : index
// CHECK:           %[[END:.*]] = tir.expr n + 1 : index
// CHECK:           %[[LT:.*]] = arith.cmpi slt, %vi0, %[[END]] : index
// CHECK:           %[[IN:.*]] = arith.andi %[[GE]], %[[LT]] : i1
// CHECK:           %[[X:.*]] = tir.load %x0[
// CHECK:           %[[PV:.*]] = arith.constant -1.000000e+00 : f32
// CHECK:           arith.select %[[IN]], %[[X]], %[[PV]] : f32

// CHECK:       tir.func @broadcast_to(%x0: !tir.buffer<[n, 1], f32>, %T_broadcast_to: !tir.buffer<[2, n, 4], f32>)
// CHECK:           %[[Z:.*]] = arith.constant 0 : index
// CHECK:           tir.load %x0[%vi1, %[[Z]]] : f32

// CHECK:       tir.func @full(%T_full: !tir.buffer<[n * 2], i32>) sym(n)
// CHECK:           %[[SEVEN:.*]] = arith.constant 7 : i32
// CHECK:           tir.store %[[SEVEN]], %T_full[%vi0] : i32
// CHECK:       tir.func @zeros(%T_zeros: !tir.buffer<[n, 2], f32>)
// CHECK:           arith.constant 0.000000e+00 : f32
// CHECK:       tir.func @ones(%T_ones: !tir.buffer<[3], f64>)
// CHECK:           arith.constant 1.000000e+00 : f64

relax.func @use_reshape(%x: !relax.tensor<[n, 4, 3], f32>) -> !relax.tensor<[n, 12], f32> {
  %y = relax.reshape %x {shape = [#tir.expr<n>, #tir.expr<-1>]} : !relax.tensor<[n, 12], f32>
  %z = relax.reshape %x {shape = [#tir.expr<-1>, 8]} : !relax.tensor<[(n * 12) floordiv 8, 8], f32>
  relax.return %y : !relax.tensor<[n, 12], f32>
}
relax.func @use_flatten(%x: !relax.tensor<[n, 4, 3], f32>) -> !relax.tensor<[n * 12], f32> {
  %y = relax.flatten %x : !relax.tensor<[n * 12], f32>
  relax.return %y : !relax.tensor<[n * 12], f32>
}
relax.func @use_permute_dims(%x: !relax.tensor<[n, 4, 3], f32>) -> !relax.tensor<[3, n, 4], f32> {
  %y = relax.permute_dims %x {axes = [-1, 0, 1]} : !relax.tensor<[3, n, 4], f32>
  %z = relax.permute_dims %x : !relax.tensor<[3, 4, n], f32>
  relax.return %y : !relax.tensor<[3, n, 4], f32>
}
relax.func @use_expand_squeeze(%x: !relax.tensor<[n, 3], f32>) -> !relax.tensor<[n, 3], f32> {
  %y = relax.expand_dims %x {axis = [0, -1]} : !relax.tensor<[1, n, 3, 1], f32>
  %z = relax.squeeze %y : !relax.tensor<[n, 3], f32>
  %w = relax.squeeze %y {axis = [0]} : !relax.tensor<[n, 3, 1], f32>
  relax.return %z : !relax.tensor<[n, 3], f32>
}
relax.func @use_concat(%a: !relax.tensor<[n, 4], f32>, %b: !relax.tensor<[m, 4], f32>, %c: !relax.tensor<[2, 4], f32>) -> !relax.tensor<[m + n + 2, 4], f32> {
  %y = relax.concat %a, %b, %c {axis = 0} : !relax.tensor<[m + n + 2, 4], f32>
  relax.return %y : !relax.tensor<[m + n + 2, 4], f32>
}
relax.func @use_split(%x: !relax.tensor<[n, 6], f32>) -> !relax.tuple<!relax.tensor<[n, 3], f32>, !relax.tensor<[n, 3], f32>> {
  %y = relax.split %x {indices_or_sections = 2, axis = -1} : !relax.tuple<!relax.tensor<[n, 3], f32>, !relax.tensor<[n, 3], f32>>
  %z = relax.split %x {indices_or_sections = [1]} : !relax.tuple<!relax.tensor<[1, 6], f32>, !relax.tensor<[n - 1, 6], f32>>
  relax.return %y : !relax.tuple<!relax.tensor<[n, 3], f32>, !relax.tensor<[n, 3], f32>>
}
relax.func @use_strided_slice(%x: !relax.tensor<[n, 8], f32>) -> !relax.tensor<[n - 1, 4], f32> {
  %y = relax.strided_slice %x {axes = [0, 1], begin = [1, -1], end = [2147483647, -9], strides = [1, -2]} : !relax.tensor<[n - 1, 4], f32>
  relax.return %y : !relax.tensor<[n - 1, 4], f32>
}
relax.func @use_take(%x: !relax.tensor<[n, 4], f32>, %i: !relax.tensor<[k], i32>) -> !relax.tensor<[n, k], f32> {
  %y = relax.take %x, %i {axis = -1} : !relax.tensor<[n, k], f32>
  relax.return %y : !relax.tensor<[n, k], f32>
}
relax.func @use_pad(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n + 3, 4], f32> {
  %y = relax.pad %x {pad_width = [[1, 2], [0, 0]], pad_value = -1.0} : !relax.tensor<[n + 3, 4], f32>
  relax.return %y : !relax.tensor<[n + 3, 4], f32>
}
relax.func @use_broadcast_to(%x: !relax.tensor<[n, 1], f32>) -> !relax.tensor<[2, n, 4], f32> {
  %y = relax.broadcast_to %x {shape = [2, #tir.expr<n>, 4]} : !relax.tensor<[2, n, 4], f32>
  relax.return %y : !relax.tensor<[2, n, 4], f32>
}
relax.func @use_creation(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n * 2], i32> {
  %y = relax.full {shape = [#tir.expr<n * 2>], fill_value = 7, dtype = "i32"} : !relax.tensor<[n * 2], i32>
  %z = relax.zeros {shape = [#tir.expr<n>, 2]} : !relax.tensor<[n, 2], f32>
  %o = relax.ones {shape = [3], dtype = "f64"} : !relax.tensor<[3], f64>
  relax.return %y : !relax.tensor<[n * 2], i32>
}
