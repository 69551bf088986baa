// RUN: relax-opt %s | filecheck %s
// RUN: relax-opt %s --print-op-generic | relax-opt | filecheck %s

// relax.dataflow with no, one and several outputs; relax.match_cast binding
// new symbolic variables, outside and inside dataflow blocks.

tir.func @add(%A: !tir.buffer<[n], f32>, %B: !tir.buffer<[n], f32>, %C: !tir.buffer<[n], f32>) {
}

// CHECK-LABEL: relax.func @one_output(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
// CHECK-NEXT:    %out = relax.dataflow {
// CHECK-NEXT:      %y = relax.call_tir @add(%x, %x) : !relax.tensor<[n], f32>
// CHECK-NEXT:      %z = relax.call_tir @add(%y, %x) : !relax.tensor<[n], f32>
// CHECK-NEXT:      relax.output %z : !relax.tensor<[n], f32>
// CHECK-NEXT:    }
// CHECK-NEXT:    relax.return %out : !relax.tensor<[n], f32>
// CHECK-NEXT:  }
relax.func @one_output(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %y = relax.call_tir @add(%x, %x) : !relax.tensor<[n], f32>
    %z = relax.call_tir @add(%y, %x) : !relax.tensor<[n], f32>
    relax.output %z : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}

// CHECK-LABEL: relax.func @two_outputs(%x: !relax.tensor<[n], f32>) -> !relax.tuple<!relax.tensor<[n], f32>, !relax.shape<[n]>> {
// CHECK-NEXT:    %a, %s = relax.dataflow {
// CHECK-NEXT:      %y = relax.call_tir @add(%x, %x) : !relax.tensor<[n], f32>
// CHECK-NEXT:      %sh = relax.shape_of %y
// CHECK-NEXT:      relax.output %y, %sh : !relax.tensor<[n], f32>, !relax.shape<[n]>
// CHECK-NEXT:    }
// CHECK-NEXT:    %t = relax.tuple(%a, %s)
// CHECK-NEXT:    relax.return %t : !relax.tuple<!relax.tensor<[n], f32>, !relax.shape<[n]>>
relax.func @two_outputs(%x: !relax.tensor<[n], f32>)
    -> !relax.tuple<!relax.tensor<[n], f32>, !relax.shape<[n]>> {
  %a, %s = relax.dataflow {
    %y = relax.call_tir @add(%x, %x) : !relax.tensor<[n], f32>
    %sh = relax.shape_of %y
    relax.output %y, %sh : !relax.tensor<[n], f32>, !relax.shape<[n]>
  }
  %t = relax.tuple(%a, %s)
  relax.return %t : !relax.tuple<!relax.tensor<[n], f32>, !relax.shape<[n]>>
}

// CHECK-LABEL: relax.func @no_outputs(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
// CHECK-NEXT:    relax.dataflow {
// CHECK-NEXT:      relax.output{{$}}
// CHECK-NEXT:    }
// CHECK-NEXT:    relax.return %x
relax.func @no_outputs(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  relax.dataflow {
    relax.output
  }
  relax.return %x : !relax.tensor<[n], f32>
}

// Two dataflow blocks in a row; the second uses the output of the first.
// CHECK-LABEL: relax.func @two_blocks
// CHECK:         %a = relax.dataflow {
// CHECK:           relax.output %y : !relax.tensor<[n], f32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %b = relax.dataflow {
// CHECK-NEXT:      %y_1 = relax.call_tir @add(%a, %a) : !relax.tensor<[n], f32>
// CHECK-NEXT:      relax.output %y_1 : !relax.tensor<[n], f32>
relax.func @two_blocks(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %a = relax.dataflow {
    %y = relax.call_tir @add(%x, %x) : !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<[n], f32>
  }
  %b = relax.dataflow {
    %y = relax.call_tir @add(%a, %a) : !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<[n], f32>
  }
  relax.return %b : !relax.tensor<[n], f32>
}

// match_cast binds m and k from a tensor of known rank, a composite dim
// (k * 2) over variables bound earlier, and j inside a dataflow block.
// CHECK-LABEL: relax.func @match_cast(%x: !relax.tensor<ndim=2, f32>, %o: !relax.object) -> !relax.tensor<ndim=2, f32> {
// CHECK-NEXT:    %y = relax.match_cast %x : !relax.tensor<[m, k], f32>
// CHECK-NEXT:    %z = relax.match_cast %o : !relax.tensor<[m, k * 2], f32>
// CHECK-NEXT:    %out = relax.dataflow {
// CHECK-NEXT:      %w = relax.match_cast %z : !relax.tensor<[m, j], f32>
// CHECK-NEXT:      %v = relax.match_cast %w : !relax.tensor<[m, k * 2], f32>
// CHECK-NEXT:      relax.output %v : !relax.tensor<[m, k * 2], f32>
// CHECK-NEXT:    }
// CHECK-NEXT:    relax.return %out : !relax.tensor<[m, k * 2], f32>
relax.func @match_cast(%x: !relax.tensor<ndim=2, f32>, %o: !relax.object)
    -> !relax.tensor<ndim=2, f32> {
  %y = relax.match_cast %x : !relax.tensor<[m, k], f32>
  %z = relax.match_cast %o : !relax.tensor<[m, 2 * k], f32>
  %out = relax.dataflow {
    %w = relax.match_cast %z : !relax.tensor<[m, j], f32>
    %v = relax.match_cast %w : !relax.tensor<[m, k + k], f32>
    relax.output %v : !relax.tensor<[m, k * 2], f32>
  }
  relax.return %out : !relax.tensor<[m, k * 2], f32>
}

// match_cast of shapes, prim values (binding `v`) and tuples; from an
// unknown-rank tensor.
// CHECK-LABEL: relax.func @match_cast_kinds
// CHECK-NEXT:    %s2 = relax.match_cast %s : !relax.shape<[a, b]>
// CHECK-NEXT:    %p2 = relax.match_cast %p : !relax.prim<i64, v>
// CHECK-NEXT:    %t2 = relax.match_cast %t : !relax.tuple<!relax.tensor<[v], f32>, !relax.object>
// CHECK-NEXT:    %u2 = relax.match_cast %u : !relax.tensor<[a, b, v], i1>
// CHECK-NEXT:    %r = relax.tuple(%s2, %p2, %t2, %u2)
relax.func @match_cast_kinds(%s: !relax.shape<*>, %p: !relax.prim<i64>,
                             %t: !relax.tuple<!relax.tensor<*, f32>, !relax.object>,
                             %u: !relax.tensor<*, bool>) -> !relax.object {
  %s2 = relax.match_cast %s : !relax.shape<[a, b]>
  %p2 = relax.match_cast %p : !relax.prim<i64, v>
  %t2 = relax.match_cast %t : !relax.tuple<!relax.tensor<[v], f32>, !relax.object>
  %u2 = relax.match_cast %u : !relax.tensor<[a, b, v], bool>
  %r = relax.tuple(%s2, %p2, %t2, %u2)
  relax.return %r : !relax.tuple<!relax.shape<[a, b]>, !relax.prim<i64, v>, !relax.tuple<!relax.tensor<[v], f32>, !relax.object>, !relax.tensor<[a, b, v], i1>>
}
