// relax-opt's mlir-opt-like flags.
//
// RUN: relax-opt --list-passes | filecheck %s --check-prefix=LIST
// RUN: relax-opt %s -p 'default-pipeline{fold=false layout=false check_bounds=false}' --print-between-passes | filecheck %s --check-prefix=BETWEEN
// RUN: relax-opt %s -p 'default-pipeline{fold=false layout=false check_bounds=false},relax-dce' --time-passes -o %t 2>&1 | filecheck %s --check-prefix=TIME
// RUN: relax-opt %s -p relax-dce --split-input-file --time-passes -o %t 2>&1 | filecheck %s --check-prefix=SPLIT
// RUN: relax-opt %s -p relax-dce -o %t 2>&1 | filecheck %s --allow-empty --check-prefix=QUIET

// --list-passes: this project's passes, sorted, one a line: name, options
// with their defaults (not the evaluator that the driver hands in), summary.
// LIST:      annotate-op-pattern  Set `op_pattern` on every tir.func
// LIST:      default-pipeline  canonicalize=true fold=true {{.*}} target=host verify_each=false lower=false  The standard optimization pipeline, folding constants through the JIT
// LIST:      fold-constant  max_bytes=1073741824  Replace call_tir on constants by their computed results, run by the JIT
// LIST-NOT:  evaluator
// LIST:      legalize-ops  skip=()  Turn high-level relax ops into tir kernels called with relax.call_tir
// LIST-NOT:  {{^}}cse{{ }}

// --print-between-passes shows the steps of default-pipeline one by one.
// BETWEEN:      // IR after canonicalize-bindings:
// BETWEEN:      // IR after legalize-ops:
// BETWEEN:      // IR after relax-cse:
// BETWEEN:      // IR after relax-dce:
// BETWEEN:      // IR after annotate-op-pattern:
// BETWEEN:      // IR after fuse-ops:
// BETWEEN:      // IR after fuse-tir:
// BETWEEN:      // IR after relax-dce:
// BETWEEN:      // IR after dedup-kernels:
// BETWEEN:      // IR after default-schedule:
// BETWEEN:      // IR after call-tir-rewrite:
// BETWEEN-NOT:  // IR after
// BETWEEN:      builtin.module

// --time-passes: a report on stderr with a time per step, in pipeline order.
// TIME:      Pass execution timing report
// TIME:      Total Execution Time: {{[0-9.]+}} seconds
// TIME:      ----Wall Time----  ----Name----
// TIME-NEXT: {{[0-9.]+}} ({{ *[0-9.]+}}%)  follow-param-layouts
// TIME-NEXT: {{[0-9.]+}} ({{ *[0-9.]+}}%)  canonicalize-bindings
// TIME-NEXT: {{[0-9.]+}} ({{ *[0-9.]+}}%)  legalize-ops
// TIME-NEXT: {{.*}}  relax-cse
// TIME-NEXT: {{.*}}  relax-dce
// TIME-NEXT: {{.*}}  annotate-op-pattern
// TIME-NEXT: {{.*}}  fuse-ops
// TIME-NEXT: {{.*}}  fuse-tir
// TIME-NEXT: {{.*}}  relax-dce
// TIME-NEXT: {{.*}}  dedup-kernels
// TIME-NEXT: {{.*}}  default-schedule
// TIME-NEXT: {{.*}}  call-tir-rewrite
// TIME-NEXT: {{.*}}  static-plan-memory
// TIME-NEXT: {{.*}}  relax-dce
// TIME-NEXT: {{[0-9.]+}} (100.0%)  Total

// Without the flag, nothing on stderr.
// QUIET-NOT: {{.}}

// With --split-input-file the times add up over the chunks: one line per pass.
// SPLIT:      ----Wall Time----  ----Name----
// SPLIT-NEXT: {{.*}}  relax-dce
// SPLIT-NEXT: {{.*}}  Total

relax.func @main(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 4], f32> {
  %r = relax.dataflow {
    %e = relax.exp %x : !relax.tensor<[n, 4], f32>
    %y = relax.relu %e : !relax.tensor<[n, 4], f32>
    relax.output %y : !relax.tensor<[n, 4], f32>
  }
  relax.return %r : !relax.tensor<[n, 4], f32>
}

// -----

relax.func @second(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  relax.return %x : !relax.tensor<[n], f32>
}
