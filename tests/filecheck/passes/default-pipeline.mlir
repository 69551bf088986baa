// RUN: relax-opt %s -p default-pipeline | filecheck %s
// RUN: relax-opt %s -p 'default-pipeline{canonicalize=false}' | filecheck %s --check-prefix=NOCANON
// RUN: relax-opt %s -p 'default-pipeline{fold=false}' | filecheck %s --check-prefix=NOFOLD
// RUN: relax-opt %s -p 'default-pipeline{cse=false}' | filecheck %s --check-prefix=NOCSE
// RUN: relax-opt %s -p 'default-pipeline{dce=false}' | filecheck %s --check-prefix=NODCE
// RUN: relax-opt %s -p 'default-pipeline{fuse=false}' | filecheck %s --check-prefix=NOFUSE
// RUN: relax-opt %s -p 'default-pipeline{plan_memory=false}' | filecheck %s --check-prefix=NOPLAN
// RUN: relax-opt %s -p 'default-pipeline{canonicalize=false fold=false cse=false dce=false fuse=false plan_memory=false}' | filecheck %s --check-prefix=NONE
// RUN: relax-opt %s -p 'default-pipeline{lower=true}' | filecheck %s --check-prefix=LOWER
// RUN: relax-opt %s -p 'default-pipeline{verify_each=true}' | filecheck %s
// RUN: relax-opt %s -p default-pipeline | filecheck %s --check-prefix=SCHED
// RUN: relax-opt %s -p 'default-pipeline{schedule=false}' | filecheck %s --check-prefix=NOSCHED

// Everything on: the match_cast is forwarded, c + c folded, the duplicate exp
// merged, the dead relu removed, the rest fused into one kernel, memory explicit.
// CHECK-LABEL: relax.func @main
// CHECK-SAME:    relax.planned_bytes = #tir.expr<0>
// CHECK-NEXT:    %c2 = relax.constant dense<[2.000000e+00, 4.000000e+00, 6.000000e+00, 8.000000e+00]>
// CHECK-NEXT:    %s = relax.alloc_tensor : !relax.tensor<[n, 4], f32>
// CHECK-NEXT:    relax.call_kernel @[[K:fused_.*]](%x, %c2) outs(%s)
// CHECK-NEXT:    relax.return %s
// CHECK-NEXT:  }
// CHECK-NEXT:  tir.func @[[K]](
// CHECK-NOT:   tir.func

// NOCANON:       %y = relax.match_cast %x
// NOCANON:       relax.call_kernel @fused_{{.*}}(%y, %c2)

// NOFOLD-NOT:    %c2 = relax.constant
// NOFOLD:        %c = relax.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]>
// NOFOLD:        relax.call_kernel @fused_add_{{.*}}(%c, %x)

// NOCSE:         relax.call_kernel @{{exp[0-9]*}}(%a) outs(%b2)
// NOCSE:         relax.call_kernel @fused_{{.*}}(%a, %b2)

// NODCE:         %y = relax.match_cast %x
// NODCE-NEXT:    %c = relax.constant
// NODCE:         relax.call_kernel @relu(%x) outs(%dead)
// NODCE:         tir.func @relu(

// NOFUSE-NOT:    fused_
// NOFUSE:        relax.call_kernel @add{{[0-9]*}}(%x, %c2) outs(%a)
// NOFUSE:        relax.call_kernel @{{exp[0-9]*}}(%a) outs(%b)
// NOFUSE:        relax.call_kernel @add{{[0-9]*}}(%b, %b) outs(%s)
// NOFUSE-NOT:    op_pattern
// NOFUSE-NOT:    fused_

// NOPLAN-LABEL:  relax.func @main(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 4], f32> {
// NOPLAN:          relax.dataflow {
// NOPLAN:            relax.call_tir @fused_{{.*}}(%x, %c2)
// NOPLAN-NOT:      relax.alloc_
// NOPLAN-NOT:      relax.call_kernel

// The default schedule runs the fused kernel's outer loop on all cores.
// SCHED-LABEL: tir.func @fused_
// SCHED:         tir.for parallel
// NOSCHED-LABEL: tir.func @fused_
// NOSCHED-NOT:   parallel

// Every option off: legalize-ops only.
// NONE-LABEL:    relax.func @main(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 4], f32> {
// NONE-NEXT:       %y = relax.match_cast %x
// NONE-NEXT:       %out = relax.dataflow {
// NONE-NEXT:         %c = relax.constant
// NONE-NEXT:         %c2 = relax.call_tir @add(%c, %c)
// NONE-NEXT:         %a = relax.call_tir @add1(%y, %c2)
// NONE-NEXT:         %b = relax.call_tir @{{exp[0-9]*}}(%a)
// NONE-NEXT:         %b2 = relax.call_tir @{{exp[0-9]*}}(%a)
// NONE-NEXT:         %dead = relax.call_tir @relu(%y)
// NONE-NEXT:         %s = relax.call_tir @add2(%b, %b2)

// LOWER:         llvm.func @main(
// LOWER-NOT:     relax.
relax.func @main(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 4], f32> {
  %y = relax.match_cast %x : !relax.tensor<[n, 4], f32>
  %out = relax.dataflow {
    %c = relax.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
    %c2 = relax.add %c, %c : !relax.tensor<[4], f32>
    %a = relax.add %y, %c2 : !relax.tensor<[n, 4], f32>
    %b = relax.exp %a : !relax.tensor<[n, 4], f32>
    %b2 = relax.exp %a : !relax.tensor<[n, 4], f32>
    %dead = relax.relu %y : !relax.tensor<[n, 4], f32>
    %s = relax.add %b, %b2 : !relax.tensor<[n, 4], f32>
    relax.output %s : !relax.tensor<[n, 4], f32>
  }
  relax.return %out : !relax.tensor<[n, 4], f32>
}
