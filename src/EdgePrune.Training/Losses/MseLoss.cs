using EdgePrune.Core;

namespace EdgePrune.Training.Losses;

/// <summary>Mean squared error over all elements: L = (1/n)·Σ(p − t)², ∂L/∂p = 2(p − t)/n.</summary>
public static class MseLoss
{
    /// <summary>Returns L and, when <paramref name="gradient"/> is not empty, adds <paramref name="weight"/>·∂L/∂prediction into it.</summary>
    public static float Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, float weight = 1f)
    {
        if (prediction.Length != target.Length)
        {
            throw new EdgePruneException($"mean squared error: {prediction.Length} predictions but {target.Length} targets");
        }

        double total = 0;
        int n = prediction.Length;
        for (int i = 0; i < n; i++)
        {
            float d = prediction[i] - target[i];
            total += (double)d * d;
            if (!gradient.IsEmpty)
            {
                gradient[i] += weight * 2f * d / n;
            }
        }

        return n == 0 ? 0f : (float)(total / n);
    }
}
