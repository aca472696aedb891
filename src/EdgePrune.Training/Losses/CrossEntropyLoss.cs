using EdgePrune.Core;

namespace EdgePrune.Training.Losses;

/// <summary>
/// Softmax cross-entropy from logits, averaged over the batch: L = −(1/B)·Σ_b log softmax(z_b)[label_b].
/// ∂L/∂z_b = (softmax(z_b) − onehot(label_b))/B. Computed with the max subtracted, so large logits do not overflow.
/// </summary>
public static class CrossEntropyLoss
{
    /// <summary>Returns L and, when <paramref name="gradient"/> is not empty, adds <paramref name="weight"/>·∂L/∂logits into it.</summary>
    public static float Compute(ReadOnlySpan<float> logits, int classes, ReadOnlySpan<int> labels, Span<float> gradient, float weight = 1f)
    {
        int batch = labels.Length;
        if (logits.Length != batch * classes)
        {
            throw new EdgePruneException($"cross-entropy: {logits.Length} logits do not make {batch} rows of {classes} classes");
        }

        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            var row = logits.Slice(b * classes, classes);
            int label = labels[b];
            if ((uint)label >= (uint)classes)
            {
                throw new EdgePruneException($"label {label} of sample {b} is outside the model's {classes} classes (0..{classes - 1})");
            }

            float max = System.Numerics.Tensors.TensorPrimitives.Max(row);
            double sum = 0;
            foreach (float z in row)
            {
                sum += Math.Exp(z - max);
            }

            double logSum = Math.Log(sum) + max;
            total += logSum - row[label];
            if (gradient.IsEmpty)
            {
                continue;
            }

            var g = gradient.Slice(b * classes, classes);
            for (int c = 0; c < classes; c++)
            {
                double p = Math.Exp(row[c] - logSum);
                g[c] += weight * (float)((p - (c == label ? 1 : 0)) / batch);
            }
        }

        return (float)(total / batch);
    }
}
