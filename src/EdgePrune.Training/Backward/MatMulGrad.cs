using EdgePrune.Core;
using EdgePrune.Core.Ops.Common;
using EdgePrune.Training.Autograd;
using EdgePrune.Training.Kernels;

namespace EdgePrune.Training.Backward;

/// <summary>
/// MatMul with numpy semantics: batched over leading axes (broadcast), a 1-D operand promoted to a matrix and
/// its axis dropped from the result. ∂A = ∂Y·Bᵀ and ∂B = Aᵀ·∂Y per batch, summed over batches an operand was
/// broadcast across.
/// </summary>
internal sealed class MatMulGrad : OpRule
{
    public override bool IsDifferentiable(int index) => index is 0 or 1;

    public override void Forward(NodeRun run)
    {
        var a = run.FloatInput(0);
        var b = run.FloatInput(1);
        var plan = run.StateAs<Plan>();
        plan.Prepare(run, a.Shape, b.Shape);
        var y = run.Outputs[0];
        y.Resize(plan.OutputShape);
        int count = plan.BatchA.Length;
        for (int t = 0; t < count; t++)
        {
            Sgemm.Multiply(false, false, plan.M, plan.N, plan.K, a.Data, plan.BatchA[t] * plan.M * plan.K, b.Data, plan.BatchB[t] * plan.K * plan.N,
                y.Data, t * plan.M * plan.N, accumulate: false, parallel: true);
        }
    }

    public override void Backward(NodeRun run)
    {
        var plan = (Plan)run.State!;
        var a = run.Inputs[0]!;
        var b = run.Inputs[1]!;
        var gy = run.OutputGradients[0];
        int m = plan.M, n = plan.N, k = plan.K;
        for (int t = 0; t < plan.BatchA.Length; t++)
        {
            int ao = plan.BatchA[t] * m * k, bo = plan.BatchB[t] * k * n, yo = t * m * n;
            if (run.Gradient(0) is { } ga)
            {
                Sgemm.Multiply(false, true, m, k, n, gy.Data, yo, b.Data, bo, ga.Data, ao, accumulate: true, parallel: true);
            }

            if (run.Gradient(1) is { } gb)
            {
                Sgemm.Multiply(true, false, k, n, m, a.Data, ao, gy.Data, yo, gb.Data, bo, accumulate: true, parallel: true);
            }
        }
    }

    private sealed class Plan
    {
        private int[] _aShape = [-1];
        private int[] _bShape = [-1];

        public int M { get; private set; }

        public int N { get; private set; }

        public int K { get; private set; }

        public int[] OutputShape { get; private set; } = [];

        public int[] BatchA { get; private set; } = [];

        public int[] BatchB { get; private set; } = [];

        public void Prepare(NodeRun run, int[] aShape, int[] bShape)
        {
            if (aShape.AsSpan().SequenceEqual(_aShape) && bShape.AsSpan().SequenceEqual(_bShape))
            {
                return;
            }

            if (aShape.Length == 0 || bShape.Length == 0)
            {
                throw new EdgePruneException($"{run.Node.Describe()}: MatMul needs operands of rank 1 or more");
            }

            _aShape = aShape;
            _bShape = bShape;
            int[] a = aShape.Length == 1 ? [1, aShape[0]] : aShape;
            int[] b = bShape.Length == 1 ? [bShape[0], 1] : bShape;
            M = a[^2];
            K = a[^1];
            N = b[^1];
            if (b[^2] != K)
            {
                throw new EdgePruneException($"{run.Node.Describe()}: inner dimensions differ: A {Core.Ir.Tensor.FormatShape(aShape)}, B {Core.Ir.Tensor.FormatShape(bShape)}");
            }

            int[] batchA = a[..^2], batchB = b[..^2];
            int[] batch = Broadcast.Shape(batchA, batchB);
            int count = batch.Aggregate(1, (p, d) => p * d);
            BatchA = new int[count];
            BatchB = new int[count];
            if (batch.Length > 0)
            {
                var ia = BatchA;
                var ib = BatchB;
                Broadcast.ForEach(batchA, batchB, batch, (o, i, j) =>
                {
                    ia[o] = i;
                    ib[o] = j;
                });
            }

            var output = new List<int>(batch);
            if (aShape.Length > 1)
            {
                output.Add(M);
            }

            if (bShape.Length > 1)
            {
                output.Add(N);
            }

            OutputShape = [.. output];
        }
    }
}
