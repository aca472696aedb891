using EdgePrune.Core;
using EdgePrune.Core.Data;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Quantization;

/// <summary>
/// Turns a loaded data file into float samples for a model input: uint8 data (IDX images) is scaled to [0, 1],
/// other numbers are taken as they are; the first axis counts samples and each sample is reshaped to the input's
/// shape without its batch axis. Empty data, NaN/∞ and element counts that fit no sample shape are errors
/// naming <paramref name="what"/>.
/// </summary>
public static class CalibrationData
{
    /// <summary>Returns [N, input dims without batch…] float samples.</summary>
    public static Tensor ForInput(Graph graph, Tensor data, string what)
    {
        var input = SingleInput(graph);
        int[] sampleShape = SampleShape(input);
        if (data.Rank == 0 || data.Shape[0] == 0 || data.ElementCount == 0)
        {
            throw new EdgePruneException($"{what}: holds no samples (shape {Tensor.FormatShape(data.Shape)}); pass at least one sample of shape {Tensor.FormatShape(sampleShape)} for input '{input.Name}'");
        }

        if (!data.DataType.IsFloatingPoint() && !data.DataType.IsInteger())
        {
            throw new EdgePruneException($"{what}: is {data.DataType.OnnxName()}; calibration data must be numeric");
        }

        var values = ModelInputs.ToFloats(data);

        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new EdgePruneException($"{what}: holds {values[i]} at flat index {i} (sample {i / (values.Length / data.Shape[0])}); calibration data must be finite");
            }
        }

        int count = data.Shape[0];
        long perSample = Tensor.ElementCountOf(sampleShape);
        if ((long)count * perSample != values.Length)
        {
            throw new EdgePruneException($"{what}: shape {Tensor.FormatShape(data.Shape)} does not split into samples of input '{input.Name}' ({input.Type}): each of the {count} samples along the first axis has {values.Length / count} values, the input needs {perSample} ({Tensor.FormatShape(sampleShape)})");
        }

        return Tensor.FromArray(values, [count, .. sampleShape]);
    }

    /// <summary>The one graph input that is not an initializer; quantization handles single-input models.</summary>
    public static ValueInfo SingleInput(Graph graph)
    {
        var inputs = graph.Inputs.Where(i => !graph.Initializers.ContainsKey(i.Name)).ToList();
        return inputs.Count == 1
            ? inputs[0]
            : throw new EdgePruneException($"the model has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); quantization calibrates models with exactly one input");
    }

    /// <summary>The input's shape without its first (batch) axis; every other dimension must be known.</summary>
    public static int[] SampleShape(ValueInfo input)
    {
        var shape = input.Type.Shape ?? throw new EdgePruneException($"input '{input.Name}' has no declared shape; calibration needs it to shape the samples");
        if (shape.Count == 0)
        {
            throw new EdgePruneException($"input '{input.Name}' is a scalar; calibration needs a batch axis");
        }

        var dims = new int[shape.Count - 1];
        for (int d = 1; d < shape.Count; d++)
        {
            dims[d - 1] = shape[d].IsKnown
                ? checked((int)shape[d].Value!.Value)
                : throw new EdgePruneException($"input '{input.Name}' ({input.Type}) has an unknown dimension {d}; calibration needs every dimension but the batch");
        }

        return dims;
    }

    /// <summary>Sample <paramref name="index"/> of [N, …] data as a batch of one.</summary>
    public static Tensor Sample(Tensor samples, int index) => Slice(samples, index, 1);

    /// <summary>Samples [start, start + count) of [N, …] data.</summary>
    public static Tensor Slice(Tensor samples, int start, int count)
    {
        int perSample = samples.ElementCount / samples.Shape[0];
        var data = samples.Span<float>().Slice(start * perSample, count * perSample).ToArray();
        return Tensor.FromArray(data, [count, .. samples.Shape[1..]]);
    }
}
