using System.Numerics.Tensors;
using EdgePrune.Core;
using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Backward;

/// <summary>GlobalAveragePool: Y[n, c] = mean of X[n, c, …]; ∂X[n, c, …] += ∂Y[n, c] / size of the plane.</summary>
internal sealed class GlobalAveragePoolGrad : OpRule
{
    public override bool IsDifferentiable(int index) => index == 0;

    public override void Forward(NodeRun run)
    {
        var x = run.FloatInput(0);
        if (x.Shape.Length < 3)
        {
            throw new EdgePruneException($"{run.Node.Describe()}: input {Core.Ir.Tensor.FormatShape(x.Shape)} must be [N, C, D1, …]");
        }

        Span<int> shape = stackalloc int[x.Shape.Length];
        x.Shape.CopyTo(shape);
        shape[2..].Fill(1);
        var y = run.Outputs[0];
        y.Resize(shape);
        int planes = x.Shape[0] * x.Shape[1];
        int size = x.Count / Math.Max(planes, 1);
        for (int p = 0; p < planes; p++)
        {
            y.Span[p] = TensorPrimitives.Sum(x.Span.Slice(p * size, size)) / size;
        }
    }

    public override void Backward(NodeRun run)
    {
        if (run.Gradient(0) is not { } gx)
        {
            return;
        }

        var gy = run.OutputGradients[0].Span;
        int size = gx.Count / Math.Max(gy.Length, 1);
        for (int p = 0; p < gy.Length; p++)
        {
            var plane = gx.Span.Slice(p * size, size);
            TensorPrimitives.Add(plane, gy[p] / size, plane);
        }
    }
}
