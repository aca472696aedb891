using EdgePrune.Core;
using EdgePrune.Training.Autograd;
using EdgePrune.Training.Kernels;

namespace EdgePrune.Training.Backward;

/// <summary>
/// Gemm: Y = alpha·A′·B′ + beta·C (A′, B′ optionally transposed, C broadcast to [M, N]).
/// ∂A′ = alpha·∂Y·B′ᵀ, ∂B′ = alpha·A′ᵀ·∂Y, ∂C = beta·∂Y summed over the axes C was broadcast along.
/// </summary>
internal sealed class GemmGrad : OpRule
{
    public override bool IsDifferentiable(int index) => index is 0 or 1 or 2;

    public override void Forward(NodeRun run)
    {
        var a = run.FloatInput(0);
        var b = run.FloatInput(1);
        var c = run.OptionalInput(2);
        var (transA, transB, alpha, beta) = Attributes(run);
        if (a.Shape.Length != 2 || b.Shape.Length != 2)
        {
            throw new EdgePruneException($"{run.Node.Describe()}: A {Core.Ir.Tensor.FormatShape(a.Shape)} and B {Core.Ir.Tensor.FormatShape(b.Shape)} must both be matrices");
        }

        int m = a.Shape[transA ? 1 : 0], k = a.Shape[transA ? 0 : 1];
        int kb = b.Shape[transB ? 1 : 0], n = b.Shape[transB ? 0 : 1];
        if (k != kb)
        {
            throw new EdgePruneException($"{run.Node.Describe()}: inner dimensions differ ({k} and {kb})");
        }

        var y = run.Outputs[0];
        y.Resize([m, n]);
        bool accumulate = false;
        if (c is not null && beta != 0)
        {
            var (cm, cn) = BiasShape(run, c, m, n);
            var cv = c.Span;
            var yv = y.Span;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    yv[i * n + j] = beta * cv[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
                }
            }

            accumulate = true;
        }

        Sgemm.Multiply(transA, transB, m, n, k, a.Data, 0, b.Data, 0, y.Data, 0, accumulate, parallel: true, alpha);
    }

    public override void Backward(NodeRun run)
    {
        var a = run.Inputs[0]!;
        var b = run.Inputs[1]!;
        var (transA, transB, alpha, beta) = Attributes(run);
        int m = a.Shape[transA ? 1 : 0], k = a.Shape[transA ? 0 : 1];
        int n = b.Shape[transB ? 0 : 1];
        var gy = run.OutputGradients[0];
        if (run.Gradient(0) is { } ga)
        {
            if (!transA)
            {
                Sgemm.Multiply(false, !transB, m, k, n, gy.Data, 0, b.Data, 0, ga.Data, 0, accumulate: true, parallel: true, alpha);
            }
            else
            {
                Sgemm.Multiply(transB, true, k, m, n, b.Data, 0, gy.Data, 0, ga.Data, 0, accumulate: true, parallel: true, alpha);
            }
        }

        if (run.Gradient(1) is { } gb)
        {
            if (!transB)
            {
                Sgemm.Multiply(!transA, false, k, n, m, a.Data, 0, gy.Data, 0, gb.Data, 0, accumulate: true, parallel: true, alpha);
            }
            else
            {
                Sgemm.Multiply(true, transA, n, k, m, gy.Data, 0, a.Data, 0, gb.Data, 0, accumulate: true, parallel: true, alpha);
            }
        }

        if (run.Gradient(2) is { } gc)
        {
            var (cm, cn) = BiasShape(run, run.Inputs[2]!, m, n);
            var g = gc.Span;
            var gv = gy.Span;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    g[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)] += beta * gv[i * n + j];
                }
            }
        }
    }

    private static (bool TransA, bool TransB, float Alpha, float Beta) Attributes(NodeRun run) => (
        run.Node.GetInt("transA", 0) != 0,
        run.Node.GetInt("transB", 0) != 0,
        run.Node.GetFloat("alpha", 1f),
        run.Node.GetFloat("beta", 1f));

    /// <summary>C's shape as [rows, columns], each 1 or the full size (unidirectional broadcast to [M, N]).</summary>
    private static (int Rows, int Columns) BiasShape(NodeRun run, Value c, int m, int n)
    {
        var s = c.Shape;
        var (rows, columns) = s.Length switch
        {
            0 => (1, 1),
            1 => (1, s[0]),
            2 => (s[0], s[1]),
            _ => (-1, -1),
        };
        if ((rows != 1 && rows != m) || (columns != 1 && columns != n))
        {
            throw new EdgePruneException($"{run.Node.Describe()}: C {Core.Ir.Tensor.FormatShape(s)} does not broadcast to [{m}, {n}]");
        }

        return (rows, columns);
    }
}
