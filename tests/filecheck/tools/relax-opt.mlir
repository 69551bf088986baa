// Command-line behaviour of relax-opt: errors go to stderr as
// file:line:col diagnostics with a non-zero exit code, never a traceback.
//
// RUN: not relax-opt %s 2>&1 | filecheck %s --check-prefix=WHOLE
// RUN: not relax-opt %s --split-input-file 2>&1 | filecheck %s --check-prefix=SPLIT
// RUN: relax-opt %s --split-input-file --verify-diagnostics | filecheck %s --check-prefix=DIAG
// RUN: relax-opt %s --split-input-file --verify-diagnostics -o %t && filecheck %s --check-prefix=DIAG --input-file %t
// RUN: not relax-opt < %s 2>&1 | filecheck %s --check-prefix=STDIN
// RUN: not relax-opt %s -p frobnicate 2>&1 | filecheck %s --check-prefix=PASS
// RUN: not relax-opt %s -p ',,' 2>&1 | filecheck %s --check-prefix=SPEC
// RUN: not relax-opt %S/does-not-exist.mlir 2>&1 | filecheck %s --check-prefix=MISSING
// RUN: not relax-opt --frobnicate %s 2>&1 | filecheck %s --check-prefix=FLAG

// Without --split-input-file the separators are comments: the whole file is
// one module, and its syntax error stops it before verification.
// WHOLE-NOT:  Traceback
// WHOLE:      {{.*}}relax-opt.mlir:46:25: error: Operation relax.frobnicate is not registered
// WHOLE-NOT:  error:
// WHOLE-NOT:  builtin.module
// WHOLE-NOT:  Traceback

// With it, the good chunk is printed and the bad one reported; the exit code
// is still non-zero.
// SPLIT-NOT:  Traceback
// SPLIT:      relax.func @ok
// SPLIT:      {{//}} -----
// SPLIT-NEXT: {{.*}}relax-opt.mlir:[[# @LINE + 9]]:3: error: relax.return: the returned value has type
// SPLIT-NOT:  Traceback
relax.func @ok(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

relax.func @bad(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f16> {
  relax.return %x : !relax.tensor<[n], f32>
}

// -----

// A syntax error in a later chunk is reported with the source line.
// SPLIT:      {{.*}}relax-opt.mlir:[[# @LINE + 4]]:25: error: Operation relax.frobnicate is not registered
// SPLIT-NEXT:   %y = relax.frobnicate %x
// SPLIT-NEXT:  {{ +}}^^
relax.func @syntax(%x: !relax.tensor<[n], f32>) -> !relax.object {
  %y = relax.frobnicate %x
  relax.return %x : !relax.tensor<[n], f32>
}

// With --verify-diagnostics every diagnostic goes to stdout and the exit code is 0.
// DIAG:      builtin.module {
// DIAG-NEXT:   relax.func @ok
// DIAG:      {{//}} -----
// DIAG-NEXT: {{.*}}relax-opt.mlir:36:3: error: relax.return: the returned value has type
// DIAG-NEXT: {{//}} -----
// DIAG-NEXT: {{.*}}relax-opt.mlir:46:25: error: Operation relax.frobnicate is not registered

// Read from stdin: the input is named stdin.
// STDIN-NOT: Traceback
// STDIN:     {{^}}stdin:46:25: error: Operation relax.frobnicate is not registered

// PASS-NOT: Traceback
// PASS:     relax-opt: error: Unrecognized passes: ['frobnicate']

// SPEC-NOT: Traceback
// SPEC:     relax-opt: error: Error parsing pass pipeline specification:
// SPEC:     Expected pass name here

// MISSING-NOT: Traceback
// MISSING:     relax-opt: error: cannot open '{{.*}}does-not-exist.mlir': No such file or directory

// FLAG: relax-opt: error: unrecognized arguments: --frobnicate
