using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization;

/// <summary>One int8 step in the report: precision, parameter ranges, stored bytes and error against fp32.</summary>
public sealed record LayerQuantizationReport(
    string Name,
    string Op,
    int Bits,
    float WeightScaleMin,
    float WeightScaleMax,
    float OutputScale,
    int OutputZeroPoint,
    LayerStorage? Storage,
    double RelativeError);

/// <summary>
/// What quantization did to a model: per layer bits, weight scale range, output parameters, bytes in the best sparse
/// encoding, and the relative RMS error of the step's output against fp32 (‖dequantized int8 − fp32‖ / ‖fp32‖,
/// int8 from the integer executor, fp32 from the reference executor, on the first calibration samples).
/// </summary>
public sealed record QuantizationReport(
    IReadOnlyList<LayerQuantizationReport> Layers,
    long Fp32WeightBytes,
    long QuantizedWeightBytes,
    CalibrationResult Calibration,
    int ErrorSamples)
{
    public double CompressionRatio => QuantizedWeightBytes == 0 ? 0 : (double)Fp32WeightBytes / QuantizedWeightBytes;

    public static QuantizationReport Create(QuantizedModel model, Tensor samples, int errorSamples = 16)
    {
        int count = Math.Min(errorSamples, samples.Shape[0]);
        var fp32 = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var int8 = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var executor = new IntegerExecutor(model);
        var sumSquaredDiff = new Dictionary<string, double>(StringComparer.Ordinal);
        var sumSquaredRef = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int s = 0; s < count; s++)
        {
            var sample = CalibrationData.Sample(samples, s);
            var reference = ReferenceExecutor.Run(model.Graph, new Dictionary<string, Tensor> { [model.InputName] = sample }, keepIntermediates: true);
            var quantized = executor.Run(sample, keepIntermediates: true);
            foreach (var step in model.Steps)
            {
                var expected = reference[step.Output].ToFloatArray();
                var actual = executor.Dequantize(step.Output, quantized[step.Output]).Span<float>();
                double diff = 0, norm = 0;
                for (int i = 0; i < expected.Length; i++)
                {
                    diff += (actual[i] - expected[i]) * (double)(actual[i] - expected[i]);
                    norm += expected[i] * (double)expected[i];
                }

                sumSquaredDiff[step.Output] = sumSquaredDiff.GetValueOrDefault(step.Output) + diff;
                sumSquaredRef[step.Output] = sumSquaredRef.GetValueOrDefault(step.Output) + norm;
            }
        }

        var layers = new List<LayerQuantizationReport>();
        long fp32Bytes = 0;
        foreach (var step in model.Steps)
        {
            var output = model.Activations[step.Output];
            var storage = step.Weights is { } w ? LayerStorage.Of(step.Node.Name, w, step.Bias is not null) : null;
            if (step.Weights is { } weights)
            {
                fp32Bytes += 4L * weights.Values.Length + (step.Bias is null ? 0 : 4L * weights.Channels);
            }

            double reference = sumSquaredRef.GetValueOrDefault(step.Output);
            double error = count == 0 ? double.NaN : reference > 0 ? Math.Sqrt(sumSquaredDiff[step.Output] / reference) : Math.Sqrt(sumSquaredDiff[step.Output]);
            layers.Add(new LayerQuantizationReport(
                step.Node.Name,
                step.FusedActivation is null ? step.Node.OpType : $"{step.Node.OpType}+{step.FusedActivation.OpType}",
                step.Weights?.Bits ?? 8,
                step.Weights?.Quantization.Scales.Min() ?? 0,
                step.Weights?.Quantization.Scales.Max() ?? 0,
                output.Scale,
                output.ZeroPoint,
                storage,
                error));
        }

        long quantizedBytes = layers.Sum(l => l.Storage?.TotalBytes ?? 0);
        return new QuantizationReport(layers, fp32Bytes, quantizedBytes, model.Calibration, count);
    }
}
