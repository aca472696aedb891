using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Resize (ONNX Operators.md#Resize) with modes nearest and linear (N-linear: bilinear on 2 axes, trilinear on 3).
/// Opset 10 takes (X, scales) and maps output to input coordinates asymmetrically, picking the nearest
/// pixel as ONNX Runtime does for that opset (truncate when enlarging, ceil when shrinking). Opset 11 adds
/// (roi, scales, sizes), coordinate_transformation_mode and nearest_mode; opset 13 makes roi and scales
/// optional; opset 18 adds axes, antialias and keep_aspect_ratio_policy. Both modes are separable, so the
/// kernel resizes one axis at a time.
/// </summary>
public sealed class Resize : Operator
{
    private static readonly Dictionary<string, CoordinateTransform> Transforms = new()
    {
        ["half_pixel"] = CoordinateTransform.HalfPixel,
        ["asymmetric"] = CoordinateTransform.Asymmetric,
        ["align_corners"] = CoordinateTransform.AlignCorners,
        ["pytorch_half_pixel"] = CoordinateTransform.PytorchHalfPixel,
        ["tf_half_pixel_for_nn"] = CoordinateTransform.TfHalfPixelForNn,
    };

    private static readonly Dictionary<string, NearestRounding> NearestModes = new()
    {
        ["round_prefer_floor"] = NearestRounding.RoundPreferFloor,
        ["round_prefer_ceil"] = NearestRounding.RoundPreferCeil,
        ["floor"] = NearestRounding.Floor,
        ["ceil"] = NearestRounding.Ceil,
    };

    private enum CoordinateTransform
    {
        HalfPixel,
        Asymmetric,
        AlignCorners,
        PytorchHalfPixel,
        TfHalfPixelForNn,
    }

    private enum NearestRounding
    {
        RoundPreferFloor,
        RoundPreferCeil,
        Floor,
        Ceil,

        /// <summary>Opset 10 (ONNX Runtime's Upsample rule): truncate when enlarging, ceil when shrinking.</summary>
        Opset10,
    }

    public override string OpType => "Resize";
    public override int SinceOpset => 10;
    public override int MinInputs => 1;
    public override int MaxInputs => 4;

    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string>
    {
        "mode", "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value",
        "nearest_mode", "antialias", "axes", "keep_aspect_ratio_policy",
    };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        string mode = node.GetString("mode", "nearest");
        if (mode is not ("nearest" or "linear"))
        {
            problems.Add($"mode \"{mode}\" is not supported (nearest and linear are)");
        }

        if (opset < 11)
        {
            foreach (string attribute in node.Attributes.Keys.Where(a => a != "mode"))
            {
                problems.Add($"attribute '{attribute}' exists only from opset 11, but the model declares opset {opset}");
            }

            if (node.Inputs.Length != 2)
            {
                problems.Add($"takes inputs X and scales at opset {opset}, got {node.Inputs.Length} input(s)");
            }

            return;
        }

        if (opset < 13 && (node.Inputs.Length < 2 || node.Inputs[1].Length == 0))
        {
            // Operators.md#Resize-11: roi is a required input until opset 13 (ONNX Runtime refuses a model without it).
            problems.Add($"input roi is required at opset {opset} (it became optional in opset 13); give it as an empty float tensor");
        }

        string transform = node.GetString("coordinate_transformation_mode", "half_pixel");
        if (!Transforms.ContainsKey(transform))
        {
            problems.Add($"coordinate_transformation_mode \"{transform}\" is not supported ({string.Join(", ", Transforms.Keys)} are)");
        }

        string nearest = node.GetString("nearest_mode", "round_prefer_floor");
        if (!NearestModes.ContainsKey(nearest))
        {
            problems.Add($"nearest_mode \"{nearest}\" is not supported ({string.Join(", ", NearestModes.Keys)} are)");
        }

        if (node.GetInt("antialias", 0) != 0)
        {
            problems.Add("antialias=1 is not supported");
        }

        if (node.GetString("keep_aspect_ratio_policy", "stretch") is var policy and not "stretch")
        {
            problems.Add($"keep_aspect_ratio_policy \"{policy}\" is not supported (only \"stretch\" is)");
        }

        foreach (var (attribute, since) in new[] { ("antialias", 18), ("axes", 18), ("keep_aspect_ratio_policy", 18) })
        {
            if (opset < since && node.HasAttribute(attribute))
            {
                problems.Add($"attribute '{attribute}' exists only from opset {since}, but the model declares opset {opset}");
            }
        }

        if (opset < 13 && node.OptionalInput(2) is null)
        {
            problems.Add($"input 'scales' is required at opset {opset} (an empty tensor when sizes are given)");
        }

        if (node.OptionalInput(2) is null && node.OptionalInput(3) is null)
        {
            problems.Add("needs either 'scales' or 'sizes'");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        if (x.ElementType != DataType.Float)
        {
            throw new EdgePruneException($"{node.Describe()}: input is {x.ElementType.OnnxName()}; EdgePrune implements Resize for float only");
        }

        if (x.Shape is null)
        {
            return [x];
        }

        var (scalesInput, sizesInput) = ScalesAndSizes(opset, constants);
        bool known = (opset < 11 ? constants[1] is not null : (node.OptionalInput(2) is null || constants[2] is not null) && (node.OptionalInput(3) is null || constants[3] is not null));
        if (!known)
        {
            return [new TensorType(DataType.Float, x.Shape.Select(_ => Dim.Unknown).ToArray())];
        }

        var axes = ResizedAxes(node, x.Shape.Count);
        var output = x.Shape.ToArray();
        if (sizesInput is not null)
        {
            var sizes = Expect(node, sizesInput.ToInt64Array(), axes.Length, "sizes");
            for (int i = 0; i < axes.Length; i++)
            {
                output[axes[i]] = Dim.Of(sizes[i]);
            }
        }
        else
        {
            var scales = Expect(node, scalesInput!.ToFloatArray(), axes.Length, "scales");
            for (int i = 0; i < axes.Length; i++)
            {
                var dim = x.Shape[axes[i]];
                output[axes[i]] = scales[i] == 1f ? dim : dim.IsKnown ? Dim.Of(ScaledSize(dim.Value!.Value, scales[i])) : Dim.Unknown;
            }
        }

        return [new TensorType(DataType.Float, output)];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        int rank = x.Rank;
        var (scalesInput, sizesInput) = ScalesAndSizes(opset, inputs);
        var axes = ResizedAxes(node, rank);
        var scales = Enumerable.Repeat(1f, rank).ToArray();
        var outputSize = x.Shape.ToArray();
        if (sizesInput is not null)
        {
            var sizes = Expect(node, sizesInput.ToInt64Array(), axes.Length, "sizes");
            for (int i = 0; i < axes.Length; i++)
            {
                outputSize[axes[i]] = checked((int)sizes[i]);
                scales[axes[i]] = (float)sizes[i] / x.Shape[axes[i]];
            }
        }
        else
        {
            var given = Expect(node, scalesInput!.ToFloatArray(), axes.Length, "scales");
            for (int i = 0; i < axes.Length; i++)
            {
                if (!(given[i] > 0f))
                {
                    throw new EdgePruneException($"{node.Describe()}: scales must be positive, got {given[i]} for axis {axes[i]}");
                }

                scales[axes[i]] = given[i];
                outputSize[axes[i]] = checked((int)ScaledSize(x.Shape[axes[i]], given[i]));
            }
        }

        bool linear = node.GetString("mode", "nearest") == "linear";
        var transform = opset < 11 ? CoordinateTransform.Asymmetric : Transforms[node.GetString("coordinate_transformation_mode", "half_pixel")];
        var nearestMode = opset < 11 ? NearestRounding.Opset10 : NearestModes[node.GetString("nearest_mode", "round_prefer_floor")];
        var values = SharedData.Floats(x, node, "X");
        var shape = x.Shape.ToArray();
        for (int axis = 0; axis < rank; axis++)
        {
            if (outputSize[axis] == shape[axis] && scales[axis] == 1f)
            {
                continue;
            }

            var taps = Taps(shape[axis], outputSize[axis], scales[axis], transform, linear, nearestMode);
            values = ResizeAxis(values, shape, axis, taps);
            shape[axis] = outputSize[axis];
        }

        return [Tensor.FromArray(values, shape)];
    }

    private static (Tensor? Scales, Tensor? Sizes) ScalesAndSizes(int opset, IReadOnlyList<Tensor?> inputs)
    {
        if (opset < 11)
        {
            return (inputs.Count > 1 ? inputs[1] : null, null);
        }

        var scales = inputs.Count > 2 ? inputs[2] : null;
        var sizes = inputs.Count > 3 ? inputs[3] : null;
        // Opsets 11–12 require the scales input; models that give sizes pass an empty scales tensor.
        return (scales is { ElementCount: > 0 } ? scales : null, sizes);
    }

    private static int[] ResizedAxes(Node node, int rank) =>
        node.GetInts("axes") is { } axes
            ? axes.Select(a => Axes.Normalize(a, rank, "axes entry")).ToArray()
            : Enumerable.Range(0, rank).ToArray();

    private static T[] Expect<T>(Node node, T[] values, int count, string name) => values.Length == count
        ? values
        : throw new EdgePruneException($"{node.Describe()}: '{name}' holds {values.Length} values but the resized axes number {count}");

    /// <summary>floor(input · scale), multiplied in float as ONNX Runtime does.</summary>
    private static long ScaledSize(long input, float scale) => (long)(scale * input);

    /// <summary>For each output index along one axis: the two input indices it reads and the weight of the second.</summary>
    private static (int Low, int High, float Weight)[] Taps(int input, int output, float scale, CoordinateTransform transform, bool linear, NearestRounding nearestMode)
    {
        var taps = new (int, int, float)[output];
        for (int o = 0; o < output; o++)
        {
            // ONNX Operators.md#Resize, coordinate_transformation_mode.
            float source = transform switch
            {
                CoordinateTransform.HalfPixel => (o + 0.5f) / scale - 0.5f,
                CoordinateTransform.PytorchHalfPixel => output > 1 ? (o + 0.5f) / scale - 0.5f : 0f,
                CoordinateTransform.AlignCorners => output == 1 ? 0f : o * (float)(input - 1) / (output - 1),
                CoordinateTransform.TfHalfPixelForNn => (o + 0.5f) / scale,
                _ => o / scale,
            };
            if (linear)
            {
                float clamped = Math.Clamp(source, 0f, input - 1);
                int low = Math.Min((int)clamped, input - 1);
                int high = Math.Min(low + 1, input - 1);
                taps[o] = (low, high, high == low ? 0f : clamped - low);
            }
            else
            {
                int nearest = nearestMode switch
                {
                    NearestRounding.RoundPreferFloor => source == MathF.Floor(source) + 0.5f ? (int)MathF.Floor(source) : (int)MathF.Round(source, MidpointRounding.AwayFromZero),
                    NearestRounding.RoundPreferCeil => (int)MathF.Round(source, MidpointRounding.AwayFromZero),
                    NearestRounding.Floor => (int)MathF.Floor(source),
                    NearestRounding.Ceil => (int)MathF.Ceiling(source),
                    _ => scale < 1f ? (int)MathF.Ceiling(source) : (int)source,
                };
                nearest = Math.Clamp(nearest, 0, input - 1);
                taps[o] = (nearest, nearest, 0f);
            }
        }

        return taps;
    }

    private static float[] ResizeAxis(float[] values, int[] shape, int axis, (int Low, int High, float Weight)[] taps)
    {
        int outer = Axes.Product(shape, 0, axis);
        int inner = Axes.Product(shape, axis + 1, shape.Length);
        int input = shape[axis];
        var result = new float[(long)outer * taps.Length * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int t = 0; t < taps.Length; t++)
            {
                var (low, high, weight) = taps[t];
                var target = result.AsSpan((o * taps.Length + t) * inner, inner);
                var lowRow = values.AsSpan((o * input + low) * inner, inner);
                if (weight == 0f)
                {
                    lowRow.CopyTo(target);
                    continue;
                }

                var highRow = values.AsSpan((o * input + high) * inner, inner);
                for (int i = 0; i < inner; i++)
                {
                    target[i] = lowRow[i] * (1f - weight) + highRow[i] * weight;
                }
            }
        }

        return result;
    }
}
