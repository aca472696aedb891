using EdgePrune.Core;
using EdgePrune.Core.Ops.Common;
using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Backward;

/// <summary>
/// LayerNormalization over the axes from <c>axis</c> on: y = x̂·γ + β with x̂ = (x − μ)/σ per row of D elements.
/// ∂x = 1/(σD)·(D·g − Σg − x̂·Σ(g·x̂)) with g = ∂y·γ; ∂γ = Σ_rows ∂y·x̂; ∂β = Σ_rows ∂y.
/// </summary>
internal sealed class LayerNormGrad : OpRule
{
    public override bool IsDifferentiable(int index) => index is 0 or 1 or 2;

    public override void Forward(NodeRun run)
    {
        if (run.Node.Outputs.Skip(1).Any(o => o.Length > 0))
        {
            throw new EdgePruneException($"{run.Node.Describe()}: the Mean and InvStdDev outputs are not supported in training");
        }

        var x = run.FloatInput(0);
        var scale = run.FloatInput(1).Span;
        var biasValue = run.OptionalInput(2);
        var bias = biasValue is null ? Span<float>.Empty : biasValue.Span;
        int axis = Axes.Normalize(run.Node.GetInt("axis", -1), x.Shape.Length);
        float epsilon = run.Node.GetFloat("epsilon", 1e-5f);
        int width = x.Shape.AsSpan(axis).ToArray().Aggregate(1, (p, d) => p * d);
        if (scale.Length != width || (bias.Length != 0 && bias.Length != width))
        {
            throw new EdgePruneException($"{run.Node.Describe()}: scale and bias must hold {width} elements (the normalised axes)");
        }

        int rows = x.Count / Math.Max(width, 1);
        var state = run.StateAs<RowStatistics>();
        state.Prepare(rows, width);
        var y = run.Outputs[0];
        y.ResizeLike(x);
        var xs = x.Span;
        var ys = y.Span;
        for (int r = 0; r < rows; r++)
        {
            var row = xs.Slice(r * width, width);
            double sum = 0, squares = 0;
            foreach (float v in row)
            {
                sum += v;
                squares += (double)v * v;
            }

            float mean = (float)(sum / width);
            float inverse = 1f / MathF.Sqrt((float)Math.Max(0, squares / width - (sum / width) * (sum / width)) + epsilon);
            state.Mean[r] = mean;
            state.InverseStd[r] = inverse;
            for (int i = 0; i < width; i++)
            {
                ys[r * width + i] = (row[i] - mean) * inverse * scale[i] + (bias.Length == 0 ? 0f : bias[i]);
            }
        }
    }

    public override void Backward(NodeRun run)
    {
        var state = (RowStatistics)run.State!;
        var xs = run.Inputs[0]!.Span;
        var scale = run.Inputs[1]!.Span;
        var gy = run.OutputGradients[0].Span;
        var gx = run.Gradient(0);
        var gScale = run.Gradient(1);
        var gBias = run.Gradient(2);
        int width = state.Width;
        for (int r = 0; r < state.Mean.Length; r++)
        {
            float mean = state.Mean[r], inverse = state.InverseStd[r];
            double sumG = 0, sumGX = 0;
            for (int i = 0; i < width; i++)
            {
                int at = r * width + i;
                float xhat = (xs[at] - mean) * inverse;
                float g = gy[at] * scale[i];
                sumG += g;
                sumGX += g * xhat;
                if (gScale is not null)
                {
                    gScale.Span[i] += gy[at] * xhat;
                }

                if (gBias is not null)
                {
                    gBias.Span[i] += gy[at];
                }
            }

            if (gx is null)
            {
                continue;
            }

            var g2 = gx.Span;
            for (int i = 0; i < width; i++)
            {
                int at = r * width + i;
                float xhat = (xs[at] - mean) * inverse;
                g2[at] += inverse / width * (width * gy[at] * scale[i] - (float)sumG - xhat * (float)sumGX);
            }
        }
    }

    private sealed class RowStatistics
    {
        public float[] Mean { get; private set; } = [];

        public float[] InverseStd { get; private set; } = [];

        public int Width { get; private set; }

        public void Prepare(int rows, int width)
        {
            Width = width;
            if (Mean.Length != rows)
            {
                Mean = new float[rows];
                InverseStd = new float[rows];
            }
        }
    }
}
