// RUN: relax-opt %s --split-input-file --verify-diagnostics | tee %t | filecheck %s
// RUN: not grep -n "builtin.module" %t

// Dataflow blocks are pure and their values are local: every case is an
// error reported at the offending op (file:line:col).

relax.func @impure_call_packed(%x: !relax.tensor<[n], f32>) -> !relax.object {
  %r = relax.dataflow {
    // CHECK: {{.*}}dataflow-errors.mlir:[[# @LINE + 1]]:5: error: relax.call_packed is impure and cannot appear inside a relax.dataflow block
    %p = relax.call_packed "print"(%x) : !relax.object
    relax.output %p : !relax.object
  }
  relax.return %r : !relax.object
}

// -----

relax.func @impure_if(%c: !relax.prim<bool>, %x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %r = relax.dataflow {
    // CHECK: {{.*}}dataflow-errors.mlir:[[# @LINE + 1]]:5: error: relax.if is impure and cannot appear inside a relax.dataflow block
    %y = relax.if %c -> !relax.tensor<[n], f32> {
      relax.yield %x : !relax.tensor<[n], f32>
    } else {
      relax.yield %x : !relax.tensor<[n], f32>
    }
    relax.output %y : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}

// -----

relax.func @nested_dataflow(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %r = relax.dataflow {
    // CHECK: {{.*}}dataflow-errors.mlir:[[# @LINE + 1]]:5: error: relax.dataflow is impure and cannot appear inside a relax.dataflow block
    relax.dataflow {
      relax.output
    }
    relax.output %x : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}

// -----

relax.func @not_relax(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %r = relax.dataflow {
    // CHECK: {{.*}}dataflow-errors.mlir:[[# @LINE + 1]]:5: error: arith.constant is not a relax op and cannot appear inside a relax.dataflow block
    %c = arith.constant 1 : i32
    relax.output %x : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}

// -----

// A value defined inside the block is not in scope after it (a parse error).
relax.func @used_outside(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %r = relax.dataflow {
    %y = relax.call_dps_packed "neg"(%x) : !relax.tensor<[n], f32>
    relax.output %x : !relax.tensor<[n], f32>
  }
  // CHECK: {{.*}}dataflow-errors.mlir:[[# @LINE + 1]]:16: error: '%y' is not defined at this point (note: a value defined inside a relax.dataflow block is visible outside it only through relax.output, and a value must be defined before it is used)
  relax.return %y : !relax.tensor<[n], f32>
}

// -----

relax.func @used_outside_by_op(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %r = relax.dataflow {
    %y = relax.call_dps_packed "neg"(%x) : !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<[n], f32>
  }
  // CHECK: {{.*}}dataflow-errors.mlir:[[# @LINE + 1]]:30: error: '%y' is not defined at this point
  %z = relax.call_packed "f"(%y) : !relax.object
  relax.return %r : !relax.tensor<[n], f32>
}

// -----

relax.func @no_output(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}dataflow-errors.mlir:[[# @LINE + 1]]:23: error: relax.dataflow must end with relax.output
  %r = relax.dataflow {
    %y = relax.call_dps_packed "neg"(%x) : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}

// -----

relax.func @output_type(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %r = relax.dataflow {
    %y = relax.call_dps_packed "neg"(%x) : !relax.tensor<[n], f32>
    // CHECK: {{.*}}dataflow-errors.mlir:[[# @LINE + 1]]:23: error: type !relax.tensor<ndim=1, f32> does not match the value's type !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<ndim=1, f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}

// -----

relax.func @output_outside(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  // CHECK: {{.*}}dataflow-errors.mlir:[[# @LINE + 1]]:3: error: 'relax.output' expects parent op 'relax.dataflow'
  relax.output %x : !relax.tensor<[n], f32>
}

// -----

// Generic form: results that do not match relax.output.
"relax.func"() <{sym_name = "generic_results", function_type = (!relax.tensor<[2], f32>) -> !relax.object}> ({
^bb0(%x: !relax.tensor<[2], f32>):
  // CHECK: {{.*}}dataflow-errors.mlir:[[# @LINE + 1]]:3: error: relax.dataflow result types do not match its relax.output
  %d = "relax.dataflow"() ({
    "relax.output"(%x) : (!relax.tensor<[2], f32>) -> ()
  }) : () -> !relax.tensor<[3], f32>
  "relax.return"(%x) : (!relax.tensor<[2], f32>) -> ()
}) : () -> ()

// -----

// A call is impure when the callee reaches a call_packed through another call.
relax.func private @leaf(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %p = relax.call_packed "log"(%x) : !relax.object
  relax.return %x : !relax.tensor<[n], f32>
}
relax.func private @mid(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.call @leaf(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
// CHECK: {{.*}}dataflow-errors.mlir:[[# @LINE + 1]]:5: error: relax.call is impure and cannot appear inside a relax.dataflow block
    %y = relax.call @mid(%x) : !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}
