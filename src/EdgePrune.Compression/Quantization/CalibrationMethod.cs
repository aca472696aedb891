namespace EdgePrune.Compression.Quantization;

/// <summary>How an activation's int8 range is chosen from what calibration observed (docs/quantization.md, "Calibration").</summary>
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum.</summary>
    MinMax,

    /// <summary>The given lower and upper percentiles of the observed values (outliers clipped).</summary>
    Percentile,

    /// <summary>The range, among shrinkings of the observed one, with the least expected squared quantization error.</summary>
    Mse,

    /// <summary>The range with the least KL divergence between the value histogram and its int8 version (TensorRT's entropy calibration).</summary>
    Entropy,
}

/// <summary>Calibration settings. <see cref="Percentile"/> applies to <see cref="CalibrationMethod.Percentile"/>; <see cref="Bins"/> to the histogram methods.</summary>
public sealed record CalibrationOptions
{
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>Upper percentile kept (the lower one is 100 − this).</summary>
    public double Percentile { get; init; } = 99.99;

    public int Bins { get; init; } = 2048;

    /// <summary>At most this many samples are run (the first ones).</summary>
    public int MaxSamples { get; init; } = 1000;
}

/// <summary>The range chosen for one tensor, next to what was observed.</summary>
public sealed record TensorRange(string Name, float Min, float Max, float ObservedMin, float ObservedMax, int SamplesThatWidened);

/// <summary>Ranges of every calibrated tensor, and how much the samples moved them.</summary>
public sealed record CalibrationResult(
    IReadOnlyDictionary<string, TensorRange> Ranges,
    CalibrationMethod Method,
    int Samples,
    int SamplesThatChangedRanges);
