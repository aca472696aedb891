using System.Collections.Immutable;
using EdgePrune.Core;
using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// Per-layer weight bit width (8 or 4) under a size budget. Each weighted layer's sensitivity is the mean squared
/// error of the model's output against fp32 (on calibration samples, through the integer executor) when that layer
/// alone drops to int4. Layers then go to int4 greedily, least error per byte saved first, until the weight bytes
/// (best sparse encoding per layer, scales and biases included) fit the budget.
/// </summary>
public static class MixedPrecision
{
    public static QuantizedModel Choose(Graph graph, IReadOnlyList<QuantizedStep> plan, CalibrationResult calibration, Tensor samples, QuantizationOptions options, Action<string>? progress = null)
    {
        long budget = options.BudgetBytes ?? throw new EdgePruneException("mixed precision needs a size budget: pass --budget-bytes N (the most bytes the weights may take)");
        var all8 = Quantizer.Build(graph, plan, calibration, _ => 8);
        long size8 = LayerStorage.Of(all8).Sum(l => l.TotalBytes);
        if (size8 <= budget)
        {
            progress?.Invoke($"all layers int8 take {size8} bytes, within the budget of {budget}");
            return all8;
        }

        var all4 = Quantizer.Build(graph, plan, calibration, _ => 4);
        var storage8 = LayerStorage.Of(all8).ToDictionary(l => l.Layer);
        var storage4 = LayerStorage.Of(all4).ToDictionary(l => l.Layer);
        long size4 = storage4.Values.Sum(l => l.TotalBytes);
        if (size4 > budget)
        {
            throw new EdgePruneException($"the budget of {budget} bytes is below the smallest mixed-precision size, {size4} bytes with every layer int4; raise --budget-bytes or prune first");
        }

        int count = Math.Min(options.SensitivitySamples, samples.Shape[0]);
        string input = CalibrationData.SingleInput(graph).Name;
        // One sample at a time: models that fix their batch size at 1 (ResNet18's [1, 3, 224, 224]) accept nothing else.
        var batches = Enumerable.Range(0, count).Select(i => CalibrationData.Sample(samples, i)).ToList();
        var references = batches.Select(b => ReferenceExecutor.Run(graph, new Dictionary<string, Tensor> { [input] = b })).ToList();
        var sensitivity = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var layer in storage8.Keys)
        {
            var trial = Quantizer.Build(graph, plan, calibration, name => name == layer ? 4 : 8);
            sensitivity[layer] = OutputError(trial, batches, references);
            progress?.Invoke($"sensitivity of {layer} to int4: output MSE {sensitivity[layer]:G4}");
        }

        var chosen = new HashSet<string>(StringComparer.Ordinal);
        long size = size8;
        foreach (var layer in storage8.Keys.OrderBy(l => sensitivity[l] / Math.Max(1, storage8[l].TotalBytes - storage4[l].TotalBytes)))
        {
            if (size <= budget)
            {
                break;
            }

            chosen.Add(layer);
            size -= storage8[layer].TotalBytes - storage4[layer].TotalBytes;
        }

        var result = Quantizer.Build(graph, plan, calibration, name => chosen.Contains(name) ? 4 : 8);
        return result with { Sensitivity = sensitivity.ToImmutableDictionary(StringComparer.Ordinal) };
    }

    /// <summary>Mean squared difference between the integer executor's dequantized outputs and the fp32 outputs, over all samples.</summary>
    public static double OutputError(QuantizedModel model, IReadOnlyList<Tensor> samples, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> references)
    {
        var executor = new IntegerExecutor(model);
        double sum = 0;
        long n = 0;
        for (int s = 0; s < samples.Count; s++)
        {
            foreach (var (name, q) in executor.Run(samples[s]))
            {
                var actual = executor.Dequantize(name, q).Span<float>();
                var expected = references[s][name].ToFloatArray();
                for (int i = 0; i < expected.Length; i++)
                {
                    double d = actual[i] - expected[i];
                    sum += d * d;
                }

                n += expected.Length;
            }
        }

        return sum / Math.Max(1, n);
    }
}
