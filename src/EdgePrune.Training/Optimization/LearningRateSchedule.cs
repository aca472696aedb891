namespace EdgePrune.Training.Optimization;

/// <summary>The learning rate at each optimizer step (0-based), with an optional linear warm-up from 0.</summary>
public abstract record LearningRateSchedule(float BaseRate, int WarmupSteps)
{
    public float At(int step) => step < WarmupSteps
        ? BaseRate * (step + 1) / WarmupSteps
        : AfterWarmup(step - WarmupSteps);

    protected abstract float AfterWarmup(int step);
}

/// <summary>The same rate throughout.</summary>
public sealed record ConstantSchedule(float BaseRate, int WarmupSteps = 0) : LearningRateSchedule(BaseRate, WarmupSteps)
{
    protected override float AfterWarmup(int step) => BaseRate;
}

/// <summary>Cosine annealing from the base rate to <paramref name="MinimumRate"/> over <paramref name="TotalSteps"/> (warm-up included).</summary>
public sealed record CosineSchedule(float BaseRate, int TotalSteps, int WarmupSteps = 0, float MinimumRate = 0f) : LearningRateSchedule(BaseRate, WarmupSteps)
{
    protected override float AfterWarmup(int step)
    {
        int span = Math.Max(1, TotalSteps - WarmupSteps);
        float progress = Math.Min(1f, (float)step / span);
        return MinimumRate + (BaseRate - MinimumRate) * 0.5f * (1 + MathF.Cos(MathF.PI * progress));
    }
}

/// <summary>The base rate times <paramref name="Gamma"/> for every <paramref name="StepSize"/> steps completed after warm-up.</summary>
public sealed record StepSchedule(float BaseRate, int StepSize, float Gamma = 0.1f, int WarmupSteps = 0) : LearningRateSchedule(BaseRate, WarmupSteps)
{
    protected override float AfterWarmup(int step) => BaseRate * MathF.Pow(Gamma, step / Math.Max(1, StepSize));
}

/// <summary>
/// One-cycle (Smith &amp; Topin 2018, PyTorch's OneCycleLR with cosine annealing): from MaxRate/<paramref name="DivFactor"/>
/// up to MaxRate over the first <paramref name="RisingFraction"/> of the steps, then down to
/// MaxRate/(DivFactor·<paramref name="FinalDivFactor"/>). Its rising phase is its warm-up.
/// </summary>
public sealed record OneCycleSchedule(float BaseRate, int TotalSteps, float RisingFraction = 0.3f, float DivFactor = 25f, float FinalDivFactor = 1e4f)
    : LearningRateSchedule(BaseRate, 0)
{
    protected override float AfterWarmup(int step)
    {
        float start = BaseRate / DivFactor, end = start / FinalDivFactor;
        int rising = Math.Max(1, (int)(RisingFraction * TotalSteps));
        if (step < rising)
        {
            return Anneal(start, BaseRate, (float)step / rising);
        }

        return Anneal(BaseRate, end, Math.Min(1f, (float)(step - rising) / Math.Max(1, TotalSteps - rising)));
    }

    private static float Anneal(float from, float to, float progress) => to + (from - to) * 0.5f * (1 + MathF.Cos(MathF.PI * progress));
}
