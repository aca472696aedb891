using EdgePrune.Core.Ir;
using EdgePrune.Training.Autograd;

namespace EdgePrune.Training.Backward;

/// <summary>
/// Dropout: the identity when evaluating; in a training step each element is kept with probability 1 − ratio and
/// scaled by 1/(1 − ratio) (inverted dropout, so evaluation needs no rescaling), drawn from the engine's seeded
/// generator. ∂x = ∂y·mask/(1 − ratio).
/// </summary>
internal sealed class DropoutGrad : OpRule
{
    private const int RatioAsInputOpset = 12;

    public override bool IsDifferentiable(int index) => index == 0;

    public override void Forward(NodeRun run)
    {
        var x = run.FloatInput(0);
        var y = run.Outputs[0];
        y.ResizeLike(x);
        float ratio = run.Opset < RatioAsInputOpset
            ? run.Node.GetFloat("ratio", 0.5f)
            : run.OptionalInput(1) is { IsFloat: true, Count: 1 } r ? r.Span[0] : 0.5f;
        var state = run.StateAs<Keep>();
        state.Scale = run.Training && ratio > 0 ? 1f / (1f - ratio) : 1f;
        if (state.Mask.Length < x.Count)
        {
            state.Mask = new float[x.Count];
        }

        var mask = state.Mask.AsSpan(0, x.Count);
        if (run.Training && ratio > 0)
        {
            for (int i = 0; i < mask.Length; i++)
            {
                mask[i] = run.Random.NextSingle() >= ratio ? state.Scale : 0f;
            }
        }
        else
        {
            mask.Fill(1f);
        }

        System.Numerics.Tensors.TensorPrimitives.Multiply(x.Span, mask, y.Span);
        if (run.Outputs.Length > 1 && run.Node.Outputs[1].Length > 0)
        {
            var keep = new bool[x.Count];
            for (int i = 0; i < keep.Length; i++)
            {
                keep[i] = mask[i] != 0;
            }

            run.Outputs[1].Set(Tensor.FromArray(keep, x.Shape));
        }
    }

    public override void Backward(NodeRun run)
    {
        if (run.Gradient(0) is not { } gx)
        {
            return;
        }

        var mask = ((Keep)run.State!).Mask.AsSpan(0, gx.Count);
        var gy = run.OutputGradients[0].Span;
        var g = gx.Span;
        for (int i = 0; i < g.Length; i++)
        {
            g[i] += gy[i] * mask[i];
        }
    }

    private sealed class Keep
    {
        public float[] Mask { get; set; } = [];

        public float Scale { get; set; } = 1f;
    }
}
