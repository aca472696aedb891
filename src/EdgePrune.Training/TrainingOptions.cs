namespace EdgePrune.Training;

public enum OptimizerKind
{
    Sgd,
    Adam,
    AdamW,
}

public enum ScheduleKind
{
    Constant,
    Cosine,
    Step,
    OneCycle,
}

/// <summary>Everything a training or fine-tuning run is configured by; the defaults train the built-in MNIST models well.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 10;

    public int BatchSize { get; init; } = 64;

    /// <summary>Seeds the sample order, augmentation and dropout; with the same seed and data a run repeats exactly.</summary>
    public int Seed { get; init; }

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>SGD momentum (0 for plain SGD).</summary>
    public float Momentum { get; init; } = 0.9f;

    public bool Nesterov { get; init; }

    public float WeightDecay { get; init; }

    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;

    /// <summary>Steps of linear warm-up from 0 (ignored by one-cycle, whose rise is its warm-up).</summary>
    public int WarmupSteps { get; init; }

    /// <summary>For <see cref="ScheduleKind.Step"/>: the rate is multiplied by 0.1 every this many epochs.</summary>
    public int StepEpochs { get; init; } = 5;

    /// <summary>Clip gradients to this global L2 norm; null for no clipping.</summary>
    public float? ClipNorm { get; init; }

    /// <summary>Random image shifts of up to this many pixels (0 = no augmentation).</summary>
    public int ShiftPixels { get; init; }

    /// <summary>Distillation weight of the label loss: 1 = labels only, 0 = teacher only (no labels needed).</summary>
    public float Alpha { get; init; } = 0.5f;

    public float Temperature { get; init; } = 4f;
}
