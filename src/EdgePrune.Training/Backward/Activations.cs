using System.Numerics.Tensors;
using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Backward;

// The elementwise activations and math ops (ONNX Operators.md). Each derivative is the textbook one; at a kink
// (Relu, Abs, Clip, HardSigmoid at its corners) the one-sided value that PyTorch uses is taken.

/// <summary>Relu: y = max(x, 0), y′ = 1 for x &gt; 0.</summary>
internal sealed class ReluGrad : UnaryGrad
{
    protected override void Apply(NodeRun run, ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    protected override float Derivative(NodeRun run, float x, float y) => x > 0 ? 1f : 0f;

    public override void Backward(NodeRun run)
    {
        if (run.Gradient(0) is not { } gx)
        {
            return;
        }

        var x = run.Inputs[0]!.Span;
        var gy = run.OutputGradients[0].Span;
        var g = gx.Span;
        for (int i = 0; i < g.Length; i++)
        {
            if (x[i] > 0)
            {
                g[i] += gy[i];
            }
        }
    }
}

/// <summary>LeakyRelu: y = x for x ≥ 0, alpha·x below.</summary>
internal sealed class LeakyReluGrad : UnaryGrad
{
    protected override void Apply(NodeRun run, ReadOnlySpan<float> x, Span<float> y)
    {
        float alpha = run.Node.GetFloat("alpha", 0.01f);
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] >= 0 ? x[i] : alpha * x[i];
        }
    }

    protected override float Derivative(NodeRun run, float x, float y) => x >= 0 ? 1f : run.Node.GetFloat("alpha", 0.01f);
}

/// <summary>Sigmoid: y′ = y(1 − y).</summary>
internal sealed class SigmoidGrad : UnaryGrad
{
    protected override void Apply(NodeRun run, ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sigmoid(x, y);

    protected override float Derivative(NodeRun run, float x, float y) => y * (1f - y);
}

/// <summary>Tanh: y′ = 1 − y².</summary>
internal sealed class TanhGrad : UnaryGrad
{
    protected override void Apply(NodeRun run, ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Tanh(x, y);

    protected override float Derivative(NodeRun run, float x, float y) => 1f - y * y;
}

/// <summary>Exp: y′ = y.</summary>
internal sealed class ExpGrad : UnaryGrad
{
    protected override void Apply(NodeRun run, ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Exp(x, y);

    protected override float Derivative(NodeRun run, float x, float y) => y;
}

/// <summary>Log: y′ = 1/x.</summary>
internal sealed class LogGrad : UnaryGrad
{
    protected override void Apply(NodeRun run, ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Log(x, y);

    protected override float Derivative(NodeRun run, float x, float y) => 1f / x;
}

/// <summary>Sqrt: y′ = 1/(2y).</summary>
internal sealed class SqrtGrad : UnaryGrad
{
    protected override void Apply(NodeRun run, ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sqrt(x, y);

    protected override float Derivative(NodeRun run, float x, float y) => 0.5f / y;
}

/// <summary>Neg: y′ = −1.</summary>
internal sealed class NegGrad : UnaryGrad
{
    protected override void Apply(NodeRun run, ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Negate(x, y);

    protected override float Derivative(NodeRun run, float x, float y) => -1f;
}

/// <summary>Abs: y′ = sign(x), 0 at 0.</summary>
internal sealed class AbsGrad : UnaryGrad
{
    protected override void Apply(NodeRun run, ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Abs(x, y);

    protected override float Derivative(NodeRun run, float x, float y) => MathF.Sign(x);
}

/// <summary>Clip: y′ = 1 inside [min, max], 0 outside. Bounds are attributes before opset 11, constant inputs since.</summary>
internal sealed class ClipGrad : UnaryGrad
{
    private const int BoundsAsInputsOpset = 11;

    protected override void Apply(NodeRun run, ReadOnlySpan<float> x, Span<float> y)
    {
        var (low, high) = Bounds(run);
        TensorPrimitives.Clamp(x, low, high, y);
    }

    protected override float Derivative(NodeRun run, float x, float y)
    {
        var (low, high) = Bounds(run);
        return x >= low && x <= high ? 1f : 0f;
    }

    public override void Backward(NodeRun run)
    {
        if (run.Gradient(0) is not { } gx)
        {
            return;
        }

        var (low, high) = Bounds(run);
        var x = run.Inputs[0]!.Span;
        var gy = run.OutputGradients[0].Span;
        var g = gx.Span;
        for (int i = 0; i < g.Length; i++)
        {
            if (x[i] >= low && x[i] <= high)
            {
                g[i] += gy[i];
            }
        }
    }

    private static (float Low, float High) Bounds(NodeRun run) => run.Opset < BoundsAsInputsOpset
        ? (run.Node.GetFloat("min", float.MinValue), run.Node.GetFloat("max", float.MaxValue))
        : (Bound(run, 1, float.MinValue), Bound(run, 2, float.MaxValue));

    private static float Bound(NodeRun run, int index, float absent) =>
        run.OptionalInput(index) is { IsFloat: true, Count: 1 } v ? v.Span[0] : absent;
}

/// <summary>HardSigmoid: y = clamp(alpha·x + beta, 0, 1), y′ = alpha inside the ramp.</summary>
internal sealed class HardSigmoidGrad : UnaryGrad
{
    protected override void Apply(NodeRun run, ReadOnlySpan<float> x, Span<float> y)
    {
        float alpha = run.Node.GetFloat("alpha", 0.2f), beta = run.Node.GetFloat("beta", 0.5f);
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = Math.Clamp(alpha * x[i] + beta, 0f, 1f);
        }
    }

    protected override float Derivative(NodeRun run, float x, float y)
    {
        float t = run.Node.GetFloat("alpha", 0.2f) * x + run.Node.GetFloat("beta", 0.5f);
        return t > 0 && t < 1 ? run.Node.GetFloat("alpha", 0.2f) : 0f;
    }
}

/// <summary>HardSwish: y = x·clamp(x/6 + 1/2, 0, 1), y′ = (2x + 3)/6 on (−3, 3), 0 below, 1 above.</summary>
internal sealed class HardSwishGrad : UnaryGrad
{
    protected override void Apply(NodeRun run, ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] * Math.Clamp(x[i] / 6f + 0.5f, 0f, 1f);
        }
    }

    protected override float Derivative(NodeRun run, float x, float y) => x <= -3f ? 0f : x >= 3f ? 1f : (2f * x + 3f) / 6f;
}
