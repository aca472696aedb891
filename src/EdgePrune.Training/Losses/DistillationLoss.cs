namespace EdgePrune.Training.Losses;

/// <summary>
/// L = α·CE(student, labels) + (1 − α)·T²·KL(softmax(teacher/T) ‖ softmax(student/T)). With α = 0 no labels are
/// needed: the student learns from the teacher's outputs alone.
/// </summary>
public sealed record DistillationLoss(float Alpha, float Temperature)
{
    /// <summary>Returns L and adds ∂L/∂student into <paramref name="gradient"/>; <paramref name="labels"/> may be empty when α = 0.</summary>
    public float Compute(ReadOnlySpan<float> student, ReadOnlySpan<float> teacher, int classes, ReadOnlySpan<int> labels, Span<float> gradient)
    {
        float loss = 0;
        if (Alpha > 0)
        {
            loss += Alpha * CrossEntropyLoss.Compute(student, classes, labels, gradient, Alpha);
        }

        if (Alpha < 1)
        {
            loss += (1 - Alpha) * KlDivergenceLoss.Compute(student, teacher, classes, Temperature, gradient, 1 - Alpha);
        }

        return loss;
    }
}
