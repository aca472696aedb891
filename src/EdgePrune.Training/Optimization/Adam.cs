using System.Runtime.Intrinsics;

namespace EdgePrune.Training.Optimization;

/// <summary>
/// Adam (Kingma &amp; Ba 2015) with bias-corrected moments. Weight decay is either added to the gradient (L2, classic
/// Adam) or, with <paramref name="decoupled"/> = true, applied to the weights directly as w ← w − η·λ·w (AdamW,
/// Loshchilov &amp; Hutter 2019).
/// </summary>
public sealed class Adam(float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f, bool decoupled = false) : Optimizer
{
    protected override int StateSlots => 2;

    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, float[][] state, float learningRate)
    {
        float correction1 = 1f - MathF.Pow(beta1, Steps);
        float correction2 = 1f - MathF.Pow(beta2, Steps);
        float[] m = state[0], v = state[1];
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var b1 = Vector256.Create(beta1);
            var b2 = Vector256.Create(beta2);
            var c1 = Vector256.Create(1 - beta1);
            var c2 = Vector256.Create(1 - beta2);
            var step = Vector256.Create(learningRate / correction1);
            var scale2 = Vector256.Create(1f / correction2);
            var eps = Vector256.Create(epsilon);
            var decay = Vector256.Create(weightDecay);
            var decayStep = Vector256.Create(1f - learningRate * weightDecay);
            for (; i + 8 <= weights.Length; i += 8)
            {
                var w = Vector256.Create(weights.Slice(i, 8));
                var g = Vector256.Create(gradient.Slice(i, 8));
                if (decoupled)
                {
                    w *= decayStep;
                }
                else
                {
                    g += decay * w;
                }

                var mi = b1 * Vector256.Create(m.AsSpan(i, 8)) + c1 * g;
                var vi = b2 * Vector256.Create(v.AsSpan(i, 8)) + c2 * g * g;
                mi.CopyTo(m.AsSpan(i, 8));
                vi.CopyTo(v.AsSpan(i, 8));
                w -= step * mi / (Vector256.Sqrt(vi * scale2) + eps);
                w.CopyTo(weights.Slice(i, 8));
            }
        }

        for (; i < weights.Length; i++)
        {
            float g = gradient[i];
            if (decoupled)
            {
                weights[i] -= learningRate * weightDecay * weights[i];
            }
            else
            {
                g += weightDecay * weights[i];
            }

            m[i] = beta1 * m[i] + (1 - beta1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            weights[i] -= learningRate * (m[i] / correction1) / (MathF.Sqrt(v[i] / correction2) + epsilon);
        }
    }
}
