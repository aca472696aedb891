namespace EdgePrune.Compression.Quantization;

/// <summary>Weight precision: every layer int8, every layer int4, or per layer chosen to meet a size budget.</summary>
public enum WeightPrecision
{
    Int8,
    Int4,
    Mixed,
}

/// <summary>Everything <see cref="Quantizer.Quantize"/> needs besides the model and the data.</summary>
public sealed record QuantizationOptions
{
    public CalibrationOptions Calibration { get; init; } = new();
    public WeightPrecision Weights { get; init; } = WeightPrecision.Int8;

    /// <summary>For <see cref="WeightPrecision.Mixed"/>: the largest total of weight bytes (best sparse encoding per layer) allowed.</summary>
    public long? BudgetBytes { get; init; }

    /// <summary>For <see cref="WeightPrecision.Mixed"/>: calibration samples used to measure each layer's sensitivity.</summary>
    public int SensitivitySamples { get; init; } = 64;
}
