using EdgePrune.Core;

namespace EdgePrune.Training.Losses;

/// <summary>
/// Distillation term with temperature T (Hinton et al. 2015): with p = softmax(teacher/T) and q = softmax(student/T),
/// L = T²·(1/B)·Σ_b KL(p_b ‖ q_b) = T²·(1/B)·Σ p·(log p − log q). The T² keeps the gradient's size independent of T:
/// ∂L/∂student = T·(q − p)/B.
/// </summary>
public static class KlDivergenceLoss
{
    /// <summary>Returns L and, when <paramref name="gradient"/> is not empty, adds <paramref name="weight"/>·∂L/∂student into it.</summary>
    public static float Compute(ReadOnlySpan<float> student, ReadOnlySpan<float> teacher, int classes, float temperature, Span<float> gradient, float weight = 1f)
    {
        if (student.Length != teacher.Length || classes <= 0 || student.Length % classes != 0)
        {
            throw new EdgePruneException($"distillation: student ({student.Length} values) and teacher ({teacher.Length} values) outputs must both be rows of {classes} classes");
        }

        if (!(temperature > 0))
        {
            throw new EdgePruneException($"distillation temperature must be positive, got {temperature}");
        }

        int batch = student.Length / classes;
        Span<double> logP = classes <= 256 ? stackalloc double[classes] : new double[classes];
        Span<double> logQ = classes <= 256 ? stackalloc double[classes] : new double[classes];
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            LogSoftmax(teacher.Slice(b * classes, classes), temperature, logP);
            LogSoftmax(student.Slice(b * classes, classes), temperature, logQ);
            for (int c = 0; c < classes; c++)
            {
                double p = Math.Exp(logP[c]);
                total += p * (logP[c] - logQ[c]);
                if (!gradient.IsEmpty)
                {
                    gradient[b * classes + c] += weight * (float)(temperature * (Math.Exp(logQ[c]) - p) / batch);
                }
            }
        }

        return (float)(temperature * temperature * total / batch);
    }

    private static void LogSoftmax(ReadOnlySpan<float> logits, float temperature, Span<double> result)
    {
        double max = double.NegativeInfinity;
        foreach (float z in logits)
        {
            max = Math.Max(max, z / temperature);
        }

        double sum = 0;
        for (int c = 0; c < logits.Length; c++)
        {
            sum += Math.Exp(logits[c] / temperature - max);
        }

        double log = Math.Log(sum) + max;
        for (int c = 0; c < logits.Length; c++)
        {
            result[c] = logits[c] / temperature - log;
        }
    }
}
