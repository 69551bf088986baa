// A two-layer perceptron with a symbolic batch n:
//   softmax(relu(x @ w1 + b1) @ w2 + b2) over the last axis.
// Run:  relax-run examples/mlp.mlir --random-inputs --dim n=8
relax.func @main(%x: !relax.tensor<[n, 784], f32>, %w1: !relax.tensor<[784, 256], f32>,
                 %b1: !relax.tensor<[256], f32>, %w2: !relax.tensor<[256, 10], f32>,
                 %b2: !relax.tensor<[10], f32>) -> !relax.tensor<[n, 10], f32> {
  %out = relax.dataflow {
    %0 = relax.matmul %x, %w1 : !relax.tensor<[n, 256], f32>
    %1 = relax.add %0, %b1 : !relax.tensor<[n, 256], f32>
    %2 = relax.relu %1 : !relax.tensor<[n, 256], f32>
    %3 = relax.matmul %2, %w2 : !relax.tensor<[n, 10], f32>
    %4 = relax.add %3, %b2 : !relax.tensor<[n, 10], f32>
    %5 = relax.softmax %4 {axis = -1 : i64} : !relax.tensor<[n, 10], f32>
    relax.output %5 : !relax.tensor<[n, 10], f32>
  }
  relax.return %out : !relax.tensor<[n, 10], f32>
}
