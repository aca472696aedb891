using System.Collections.Immutable;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// A quantized model: the prepared fp32 graph it was derived from (BatchNorm folded, shapes inferred), its
/// int8 steps with their weights and int32 biases, and the quantization parameters of every int8 value by name.
/// The integer executor runs it; <see cref="QdqExporter"/> turns it into a QDQ ONNX graph; exporters read it.
/// </summary>
public sealed record QuantizedModel
{
    public required Graph Graph { get; init; }
    public required ImmutableArray<QuantizedStep> Steps { get; init; }

    /// <summary>Parameters of the graph input and of every step output.</summary>
    public required ImmutableDictionary<string, TensorQuantization> Activations { get; init; }
    public required CalibrationResult Calibration { get; init; }

    /// <summary>For mixed precision: each weighted layer's output error when it alone is int4 (see <see cref="MixedPrecision"/>).</summary>
    public ImmutableDictionary<string, double> Sensitivity { get; init; } = ImmutableDictionary<string, double>.Empty;

    public string InputName => CalibrationData.SingleInput(Graph).Name;
}
