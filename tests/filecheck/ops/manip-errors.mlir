// RUN: relax-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Type inference errors of the manipulation and creation ops.
relax.func @reshape_size(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n * 4 + 1], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.reshape: cannot reshape n * 4 elements into [n * 4 + 1] (n * 4 + 1 elements)
  %y = relax.reshape %x {shape = [#tir.expr<n * 4 + 1>]} : !relax.tensor<[n * 4 + 1], f32>
  relax.return %y : !relax.tensor<[n * 4 + 1], f32>
}

// -----

relax.func @reshape_divisible(%x: !relax.tensor<[2, 3], f32>) -> !relax.tensor<[4, 1], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.reshape: cannot reshape 6 elements into [4, -1]: not divisible by 4
  %y = relax.reshape %x {shape = [4, -1]} : !relax.tensor<[4, 1], f32>
  relax.return %y : !relax.tensor<[4, 1], f32>
}

// -----

relax.func @reshape_two_holes(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 4], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.reshape: at most one dim of the shape can be -1
  %y = relax.reshape %x {shape = [-1, -1]} : !relax.tensor<[n, 4], f32>
  relax.return %y : !relax.tensor<[n, 4], f32>
}

// -----

relax.func @reshape_unknown(%x: !relax.tensor<ndim=2, f32>) -> !relax.tensor<ndim=1, f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.reshape: cannot infer the -1 dim of the shape: the shape of the operand is unknown (!relax.tensor<ndim=2, f32>)
  %y = relax.reshape %x {shape = [-1]} : !relax.tensor<ndim=1, f32>
  relax.return %y : !relax.tensor<ndim=1, f32>
}

// -----

relax.func @reshape_no_shape(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 4], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: property 'shape' expected in operation 'relax.reshape'
  %y = relax.reshape %x : !relax.tensor<[n, 4], f32>
  relax.return %y : !relax.tensor<[n, 4], f32>
}

// -----

relax.func @permute_not_perm(%x: !relax.tensor<[n, 4, 3], f32>) -> !relax.tensor<[n, 3, 3], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.permute_dims: axis -1 is repeated
  %y = relax.permute_dims %x {axes = [0, 2, -1]} : !relax.tensor<[n, 3, 3], f32>
  relax.return %y : !relax.tensor<[n, 3, 3], f32>
}

// -----

relax.func @expand_range(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 4, 1], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.expand_dims: axis 3 is out of range for rank 3
  %y = relax.expand_dims %x {axis = [3]} : !relax.tensor<[n, 4, 1], f32>
  relax.return %y : !relax.tensor<[n, 4, 1], f32>
}

// -----

relax.func @squeeze_not_one(%x: !relax.tensor<[n, 4, 1], f32>) -> !relax.tensor<[n, 1], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.squeeze: cannot squeeze axis 1 of size 4 (it is not 1)
  %y = relax.squeeze %x {axis = [1]} : !relax.tensor<[n, 1], f32>
  relax.return %y : !relax.tensor<[n, 1], f32>
}

// -----

relax.func @squeeze_unknown_dims(%x: !relax.tensor<ndim=3, f32>) -> !relax.tensor<ndim=3, f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.squeeze: the shape of the operand must be known (got !relax.tensor<ndim=3, f32>; use relax.match_cast)
  %y = relax.squeeze %x : !relax.tensor<ndim=3, f32>
  relax.return %y : !relax.tensor<ndim=3, f32>
}

// -----

relax.func @concat_dims(%a: !relax.tensor<[n, 4], f32>, %b: !relax.tensor<[n, 5], f32>) -> !relax.tensor<[n * 2, 4], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.concat: dim 1 of operand #1 (5) differs from that of operand #0 (4) (use relax.match_cast to assert a shape)
  %y = relax.concat %a, %b {axis = 0} : !relax.tensor<[n * 2, 4], f32>
  relax.return %y : !relax.tensor<[n * 2, 4], f32>
}

// -----

relax.func @concat_dtypes(%a: !relax.tensor<[n, 4], f32>, %b: !relax.tensor<[n, 4], f16>) -> !relax.tensor<[n * 2, 4], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.concat: operand #1 has dtype f16, operand #0 has f32
  %y = relax.concat %a, %b : !relax.tensor<[n * 2, 4], f32>
  relax.return %y : !relax.tensor<[n * 2, 4], f32>
}

// -----

relax.func @concat_ranks(%a: !relax.tensor<[n, 4], f32>, %b: !relax.tensor<[4], f32>) -> !relax.tensor<[n, 4], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.concat: the operands have different ranks 2, 1
  %y = relax.concat %a, %b : !relax.tensor<[n, 4], f32>
  relax.return %y : !relax.tensor<[n, 4], f32>
}

// -----

relax.func @split_sections(%x: !relax.tensor<[n, 4], f32>) -> !relax.tuple<> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.split: cannot split a dim of size 4 into 3 equal sections
  %y = relax.split %x {indices_or_sections = 3, axis = 1} : !relax.tuple<>
  relax.return %y : !relax.tuple<>
}

// -----

relax.func @split_sym_indices(%x: !relax.tensor<[n, 4], f32>) -> !relax.tuple<> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.split: the split indices [2, -1] must be non-negative and non-decreasing for the symbolic dim n
  %y = relax.split %x {indices_or_sections = [2, -1]} : !relax.tuple<>
  relax.return %y : !relax.tuple<>
}

// -----

relax.func @slice_lengths(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[1, 4], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.strided_slice: 'axes', 'begin', 'end' and 'strides' must have the same length
  %y = relax.strided_slice %x {axes = [0, 1], begin = [0], end = [1]} : !relax.tensor<[1, 4], f32>
  relax.return %y : !relax.tensor<[1, 4], f32>
}

// -----

relax.func @slice_neg_stride_sym(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[3, 4], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.strided_slice: a negative stride on axis 0 needs a static dim and integer begin and end
  %y = relax.strided_slice %x {axes = [0], begin = [3], end = [0], strides = [-1]} : !relax.tensor<[3, 4], f32>
  relax.return %y : !relax.tensor<[3, 4], f32>
}

// -----

relax.func @slice_negative_length(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[0, 4], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.strided_slice: the slice of axis 0 has a negative length -2
  %y = relax.strided_slice %x {axes = [0], begin = [#tir.expr<n + 2>], end = [#tir.expr<n>]} : !relax.tensor<[0, 4], f32>
  relax.return %y : !relax.tensor<[0, 4], f32>
}

// -----

relax.func @take_float_indices(%x: !relax.tensor<[n, 4], f32>, %i: !relax.tensor<[3], f32>) -> !relax.tensor<[3, 4], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.take: the indices must be integers, got f32
  %y = relax.take %x, %i {axis = 0} : !relax.tensor<[3, 4], f32>
  relax.return %y : !relax.tensor<[3, 4], f32>
}

// -----

relax.func @take_axis(%x: !relax.tensor<[n, 4], f32>, %i: !relax.tensor<[3], i64>) -> !relax.tensor<[n, 3], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.take: axis 2 is out of range for rank 2
  %y = relax.take %x, %i {axis = 2} : !relax.tensor<[n, 3], f32>
  relax.return %y : !relax.tensor<[n, 3], f32>
}

// -----

relax.func @pad_rank(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n + 2, 4], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.pad: 'pad_width' must have one [before, after] pair per dim (2), got [[1, 1]]
  %y = relax.pad %x {pad_width = [[1, 1]]} : !relax.tensor<[n + 2, 4], f32>
  relax.return %y : !relax.tensor<[n + 2, 4], f32>
}

// -----

relax.func @pad_negative(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n + 2, 3], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.pad: each entry of 'pad_width' must be a [before, after] pair of non-negative ints, got [0, -1]
  %y = relax.pad %x {pad_width = [[1, 1], [0, -1]]} : !relax.tensor<[n + 2, 3], f32>
  relax.return %y : !relax.tensor<[n + 2, 3], f32>
}

// -----

relax.func @pad_value_int(%x: !relax.tensor<[n, 4], i32>) -> !relax.tensor<[n + 2, 4], i32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.pad: 'pad_value' 0.5 is not a whole number, as the dtype i32 needs
  %y = relax.pad %x {pad_width = [[1, 1], [0, 0]], pad_value = 0.5} : !relax.tensor<[n + 2, 4], i32>
  relax.return %y : !relax.tensor<[n + 2, 4], i32>
}

// -----

relax.func @broadcast_dims(%x: !relax.tensor<[n, 3], f32>) -> !relax.tensor<[n, 4], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.broadcast_to: cannot broadcast dim 1 (3) to 4 (they differ; use relax.match_cast to assert a shape)
  %y = relax.broadcast_to %x {shape = [#tir.expr<n>, 4]} : !relax.tensor<[n, 4], f32>
  relax.return %y : !relax.tensor<[n, 4], f32>
}

// -----

relax.func @broadcast_rank(%x: !relax.tensor<[n, 3], f32>) -> !relax.tensor<[3], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.broadcast_to: cannot broadcast a rank-2 tensor to rank 1
  %y = relax.broadcast_to %x {shape = [3]} : !relax.tensor<[3], f32>
  relax.return %y : !relax.tensor<[3], f32>
}

// -----

relax.func @full_no_value(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: property 'fill_value' expected in operation 'relax.full'
  %y = relax.full {shape = [#tir.expr<n>]} : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

relax.func @zeros_dtype(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.zeros: 'dtype': unknown dtype 'float'
  %y = relax.zeros {shape = [#tir.expr<n>], dtype = "float"} : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

relax.func @ones_negative_dim(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[2], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.ones: the shape has a negative dim -2
  %y = relax.ones {shape = [#tir.expr<-2>]} : !relax.tensor<[2], f32>
  relax.return %y : !relax.tensor<[2], f32>
}

// -----

relax.func @full_range(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[2], i8> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.full: 'fill_value' 300 is out of range for i8
  %y = relax.full {shape = [2], fill_value = 300, dtype = "i8"} : !relax.tensor<[2], i8>
  relax.return %y : !relax.tensor<[2], i8>
}

// -----

// Symbolic variables in shape properties must be defined (they reach the result type).
relax.func @undefined_var(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}manip-errors.mlir:[[# @LINE + 1]]:3: error: relax.full: symbolic variable 'm' is used before it is defined (define it by a parameter's type or an earlier relax.match_cast)
  %y = relax.full {shape = [#tir.expr<m>], fill_value = 1.0} : !relax.tensor<[m], f32>
  relax.return %x : !relax.tensor<[n], f32>
}
