using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Data;

/// <summary>
/// Turns data read from a file into a feed for one model input: converts the element type to the input's
/// (uint8 data, such as IDX images, is scaled by 1/255 into [0, 1], the convention training, calibration and
/// evaluation share), and reshapes a batch of samples to the input's per-sample shape (IDX digits [N,28,28] feed an input
/// [N,1,28,28] or [N,784]). A shape that cannot be matched is an error naming both shapes.
/// </summary>
public static class ModelInputs
{
    /// <summary>
    /// Loads every input the model needs from <paramref name="path"/>: any data file for a one-input model, or an
    /// .npz with one array per input name (a one-input model also takes an .npz holding a single array).
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path, Graph graph)
    {
        var inputs = graph.Inputs.Where(i => !graph.Initializers.ContainsKey(i.Name)).ToList();
        var feeds = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        if (!path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase))
        {
            if (inputs.Count != 1)
            {
                throw new EdgePruneException($"{path}: the model has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); pass an .npz with one array per input name");
            }

            feeds[inputs[0].Name] = Fit(DataFiles.Load(path), inputs[0], path);
            return feeds;
        }

        var arrays = Npz.Read(path);
        foreach (var input in inputs)
        {
            if (arrays.TryGetValue(input.Name, out var array) || (inputs.Count == 1 && arrays.Count == 1 && (array = arrays.Values.Single()) is not null))
            {
                feeds[input.Name] = Fit(array, input, path);
                continue;
            }

            string held = arrays.Count == 0 ? "no arrays" : string.Join(", ", arrays.Keys.Select(k => $"'{k}'"));
            throw new EdgePruneException($"{path}: no array named '{input.Name}' for the model input of that name; the file holds {held}");
        }

        return feeds;
    }

    /// <summary>
    /// The data's values as floats; uint8 (pixels) scaled into [0, 1] by multiplying with 1/255 (as a float; within one
    /// ulp of the quotient). Training, calibration and evaluation all convert through here, so a digit is the same float
    /// vector in each of them, and the committed sample models, trained with this product, reproduce bit for bit.
    /// </summary>
    public static float[] ToFloats(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var values = data.ToFloatArray();
        if (data.DataType == DataType.UInt8)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(values, 1f / 255f, values);
        }

        return values;
    }

    /// <summary>Converts <paramref name="data"/> to the element type and shape of <paramref name="input"/>; symbolic dimensions take what the data gives.</summary>
    public static Tensor Fit(Tensor data, ValueInfo input, string source)
    {
        var type = input.Type;
        if (type.ElementType != DataType.Float)
        {
            throw new EdgePruneException($"{source}: model input '{input.Name}' is {type}; data files can feed float inputs only");
        }

        if (data.ElementCount == 0)
        {
            throw new EdgePruneException($"{source}: the data for input '{input.Name}' is empty");
        }

        var values = ToFloats(data);
        int[] shape = ShapeFor(data.Shape.ToArray(), type, input.Name, source);
        return Tensor.FromArray(values, shape);
    }

    private static int[] ShapeFor(int[] dataShape, TensorType type, string inputName, string source)
    {
        if (type.Shape is null)
        {
            return dataShape;
        }

        string problem = $"{source}: data of shape {Tensor.FormatShape(dataShape)} does not fit model input '{inputName}' {type}";
        if (dataShape.Length == type.Shape.Count && dataShape.Zip(type.Shape).All(p => !p.Second.IsKnown || p.First == p.Second.Value))
        {
            return dataShape;
        }

        // A batch of samples whose per-sample element count matches the input's: reshape each sample.
        if (type.Shape.Count == 0 || dataShape.Length == 0 || type.Shape.Skip(1).Any(d => !d.IsKnown))
        {
            throw new EdgePruneException(problem);
        }

        long perSample = type.Shape.Skip(1).Aggregate(1L, (p, d) => p * d.Value!.Value);
        long dataPerSample = Tensor.ElementCountOf(dataShape.AsSpan(1));
        var batch = type.Shape[0];
        if (perSample != dataPerSample || (batch.IsKnown && batch.Value != dataShape[0]))
        {
            throw new EdgePruneException($"{problem}: each sample has {dataPerSample} values, the input takes {perSample}");
        }

        return [dataShape[0], .. type.Shape.Skip(1).Select(d => (int)d.Value!.Value)];
    }
}
