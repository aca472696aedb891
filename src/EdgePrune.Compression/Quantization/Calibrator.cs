using EdgePrune.Core;
using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// Runs the fp32 graph on calibration samples, one at a time, and chooses an int8 range for each requested tensor.
/// Min-max needs one pass. The histogram methods take a second pass, as TensorRT's entropy calibrator does:
/// the first fixes each histogram's span (observed min..max), the second fills <see cref="CalibrationOptions.Bins"/> bins.
/// </summary>
public static class Calibrator
{
    /// <param name="samples">[N, …] float samples for the graph's single input (see <see cref="CalibrationData.ForInput"/>).</param>
    public static CalibrationResult Calibrate(Graph graph, Tensor samples, IReadOnlyCollection<string> tensors, CalibrationOptions options, Action<string>? progress = null)
    {
        var input = CalibrationData.SingleInput(graph);
        int count = Math.Min(samples.Shape[0], options.MaxSamples);
        if (count == 0)
        {
            throw new EdgePruneException("calibration needs at least one sample");
        }

        var min = tensors.ToDictionary(t => t, _ => float.PositiveInfinity, StringComparer.Ordinal);
        var max = tensors.ToDictionary(t => t, _ => float.NegativeInfinity, StringComparer.Ordinal);
        var widened = tensors.ToDictionary(t => t, _ => 0, StringComparer.Ordinal);
        int samplesThatChanged = 0;
        for (int s = 0; s < count; s++)
        {
            var values = Run(graph, input.Name, samples, s, tensors);
            bool changed = false;
            foreach (var name in tensors)
            {
                var v = values[name];
                float lo = System.Numerics.Tensors.TensorPrimitives.Min(v);
                float hi = System.Numerics.Tensors.TensorPrimitives.Max(v);
                if (!float.IsFinite(lo) || !float.IsFinite(hi))
                {
                    throw new EdgePruneException($"tensor '{name}' is not finite on calibration sample {s}; check the model and the data's scale");
                }

                if (lo < min[name] || hi > max[name])
                {
                    widened[name]++;
                    changed = true;
                    min[name] = Math.Min(min[name], lo);
                    max[name] = Math.Max(max[name], hi);
                }
            }

            if (changed)
            {
                samplesThatChanged++;
            }

            if ((s + 1) % 100 == 0)
            {
                progress?.Invoke($"calibration pass 1: {s + 1}/{count} samples");
            }
        }

        var ranges = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
        if (options.Method == CalibrationMethod.MinMax)
        {
            foreach (var name in tensors)
            {
                ranges[name] = new TensorRange(name, min[name], max[name], min[name], max[name], widened[name]);
            }
        }
        else
        {
            var histograms = tensors.ToDictionary(t => t, t => new Histogram(Math.Min(min[t], 0), Math.Max(max[t], 0), options.Bins), StringComparer.Ordinal);
            for (int s = 0; s < count; s++)
            {
                var values = Run(graph, input.Name, samples, s, tensors);
                foreach (var name in tensors)
                {
                    histograms[name].Add(values[name]);
                }

                if ((s + 1) % 100 == 0)
                {
                    progress?.Invoke($"calibration pass 2: {s + 1}/{count} samples");
                }
            }

            foreach (var name in tensors)
            {
                var (lo, hi) = RangeSearch.Choose(histograms[name], options);
                ranges[name] = new TensorRange(name, lo, hi, min[name], max[name], widened[name]);
            }
        }

        return new CalibrationResult(ranges, options.Method, count, samplesThatChanged);
    }

    private static Dictionary<string, float[]> Run(Graph graph, string inputName, Tensor samples, int index, IReadOnlyCollection<string> tensors)
    {
        var sample = CalibrationData.Sample(samples, index);
        var all = ReferenceExecutor.Run(graph, new Dictionary<string, Tensor> { [inputName] = sample }, keepIntermediates: true);
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var name in tensors)
        {
            result[name] = name == inputName ? sample.Span<float>().ToArray() : all[name].ToFloatArray();
        }

        return result;
    }
}
