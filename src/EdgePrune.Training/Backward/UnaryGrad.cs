using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Backward;

/// <summary>
/// An elementwise op of one float input: y = f(x), ∂loss/∂x = ∂loss/∂y · f′(x). Subclasses give f and f′ (from x
/// or from the already computed y, whichever is cheaper and exact). Further inputs (Clip's bounds) are constants.
/// </summary>
internal abstract class UnaryGrad : OpRule
{
    public override bool IsDifferentiable(int index) => index == 0;

    public override void Forward(NodeRun run)
    {
        var x = run.FloatInput(0);
        var y = run.Outputs[0];
        y.ResizeLike(x);
        Apply(run, x.Span, y.Span);
    }

    public override void Backward(NodeRun run)
    {
        if (run.Gradient(0) is not { } gx)
        {
            return;
        }

        var x = run.Inputs[0]!.Span;
        var y = run.Outputs[0].Span;
        var gy = run.OutputGradients[0].Span;
        var g = gx.Span;
        for (int i = 0; i < g.Length; i++)
        {
            g[i] += gy[i] * Derivative(run, x[i], y[i]);
        }
    }

    protected abstract void Apply(NodeRun run, ReadOnlySpan<float> x, Span<float> y);

    protected abstract float Derivative(NodeRun run, float x, float y);
}
