using EdgePrune.Core.Ops.Common;
using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Backward;

/// <summary>
/// Softmax and LogSoftmax. Since opset 13 along one axis; before, over all axes from <c>axis</c> on (the input
/// coerced to 2-D, Operators.md#Softmax-1). Softmax: ∂x = y·(∂y − Σ∂y·y); LogSoftmax: ∂x = ∂y − softmax·Σ∂y.
/// </summary>
internal sealed class SoftmaxGrad(bool logarithmic) : OpRule
{
    private const int SingleAxisOpset = 13;

    public override bool IsDifferentiable(int index) => index == 0;

    public override void Forward(NodeRun run)
    {
        var x = run.FloatInput(0);
        var (outer, length, inner) = Layout(run, x.Shape);
        var y = run.Outputs[0];
        y.ResizeLike(x);
        var xs = x.Span;
        var ys = y.Span;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int start = o * length * inner + i;
                float max = float.NegativeInfinity;
                for (int k = 0; k < length; k++)
                {
                    max = MathF.Max(max, xs[start + k * inner]);
                }

                float sum = 0;
                for (int k = 0; k < length; k++)
                {
                    sum += MathF.Exp(xs[start + k * inner] - max);
                }

                float log = MathF.Log(sum);
                for (int k = 0; k < length; k++)
                {
                    float shifted = xs[start + k * inner] - max;
                    ys[start + k * inner] = logarithmic ? shifted - log : MathF.Exp(shifted) / sum;
                }
            }
        }
    }

    public override void Backward(NodeRun run)
    {
        if (run.Gradient(0) is not { } gx)
        {
            return;
        }

        var (outer, length, inner) = Layout(run, run.Inputs[0]!.Shape);
        var ys = run.Outputs[0].Span;
        var gy = run.OutputGradients[0].Span;
        var g = gx.Span;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int start = o * length * inner + i;
                float dot = 0;
                for (int k = 0; k < length; k++)
                {
                    int at = start + k * inner;
                    dot += logarithmic ? gy[at] : gy[at] * ys[at];
                }

                for (int k = 0; k < length; k++)
                {
                    int at = start + k * inner;
                    g[at] += logarithmic ? gy[at] - MathF.Exp(ys[at]) * dot : ys[at] * (gy[at] - dot);
                }
            }
        }
    }

    private static (int Outer, int Length, int Inner) Layout(NodeRun run, int[] shape)
    {
        bool singleAxis = run.Opset >= SingleAxisOpset;
        int axis = Axes.Normalize(run.Node.GetInt("axis", singleAxis ? -1 : 1), shape.Length);
        int outer = 1, length = 1, inner = 1;
        for (int d = 0; d < shape.Length; d++)
        {
            if (d < axis)
            {
                outer *= shape[d];
            }
            else if (d == axis || !singleAxis)
            {
                length *= shape[d];
            }
            else
            {
                inner *= shape[d];
            }
        }

        return (outer, length, inner);
    }
}
