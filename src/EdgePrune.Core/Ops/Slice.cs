using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Slice: a strided window of the input along some axes. ONNX Operators.md#Slice. Before opset 10 starts, ends
/// and axes are attributes (step 1); from opset 10 they are inputs (int32 or int64) with optional axes and
/// steps. Negative starts/ends count from the back; out-of-range values, including the INT64_MAX / INT64_MIN
/// that PyTorch emits for "to the end", are clamped as the spec says: to [0, d] for positive steps, and
/// starts to [0, d-1], ends to [-1, d-1] for negative steps.
/// </summary>
public sealed class Slice : Operator
{
    public override string OpType => "Slice";
    public override int MinInputs => 1;
    public override int MaxInputs => 5;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "starts", "ends", "axes" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (opset < 10)
        {
            if (node.Inputs.Length > 1)
            {
                problems.Add($"before opset 10 Slice takes one input (starts, ends and axes are attributes), got {node.Inputs.Length} (the model declares opset {opset})");
            }

            if (!node.HasAttribute("starts") || !node.HasAttribute("ends"))
            {
                problems.Add("the 'starts' and 'ends' attributes are required before opset 10");
            }
        }
        else
        {
            foreach (string name in Attributes.Where(node.HasAttribute))
            {
                problems.Add($"from opset 10 '{name}' is an input, not an attribute (the model declares opset {opset})");
            }

            if (node.OptionalInput(1) is null || node.OptionalInput(2) is null)
            {
                problems.Add("the 'starts' and 'ends' inputs are required from opset 10");
            }
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        for (int i = 1; i < inputs.Count; i++)
        {
            if (inputs[i] is { } t && t.ElementType is not (DataType.Int64 or DataType.Int32))
            {
                throw new EdgePruneException($"{node.Describe()}: input '{InputNames[i]}' must be int32 or int64, got {t.ElementType.OnnxName()}");
            }
        }

        if (x.Shape is null)
        {
            return [new TensorType(x.ElementType, null)];
        }

        var parameters = Parameters(node, opset, constants);
        var dims = x.Shape.ToArray();
        if (parameters is null)
        {
            // Window computed at run time: sliced axes are unknown (all of them when the axes are not known either).
            long[]? axes = node.OptionalInput(3) is null
                ? inputs[1]!.Shape is [{ IsKnown: true } n] ? Enumerable.Range(0, (int)n.Value!.Value).Select(i => (long)i).ToArray() : null
                : constants[3]?.ToInt64Array();
            for (int d = 0; d < dims.Length; d++)
            {
                if (axes is null || axes.Any(a => a == d || a + dims.Length == d))
                {
                    dims[d] = Dim.Unknown;
                }
            }

            return [new TensorType(x.ElementType, dims)];
        }

        var windows = Windows(node, parameters.Value, x.Shape.Select(d => d.Value).ToArray());
        for (int d = 0; d < dims.Length; d++)
        {
            if (windows[d] is { } w)
            {
                dims[d] = w.Count is { } count ? Dim.Of(count) : w.CoversAxis ? dims[d] : Dim.Unknown;
            }
        }

        return [new TensorType(x.ElementType, dims)];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var parameters = Parameters(node, opset, inputs)!.Value;
        var windows = Windows(node, parameters, x.Shape.ToArray().Select(d => (long?)d).ToArray());
        var strides = ElementCopy.Strides(x.Shape);
        var shape = x.Shape.ToArray();
        var outStrides = (long[])strides.Clone();
        long offset = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            if (windows[d] is { } w)
            {
                shape[d] = (int)w.Count!.Value;
                offset += w.Count > 0 ? w.Start * strides[d] : 0;
                outStrides[d] = strides[d] * w.Step;
            }
        }

        return [ElementCopy.Strided(x, shape, offset, outStrides)];
    }

    private static readonly string[] InputNames = ["data", "starts", "ends", "axes", "steps"];

    private readonly record struct SliceParameters(long[] Starts, long[] Ends, long[]? Axes, long[]? Steps);

    /// <summary>
    /// Where one axis's window starts, its step, and its length (null when the axis dimension is not known;
    /// then <see cref="CoversAxis"/> says whether the window is still known to be the whole axis).
    /// </summary>
    private readonly record struct Window(long Start, long Step, long? Count, bool CoversAxis = false);

    /// <summary>The starts/ends/axes/steps, or null when an input carrying them is not a known constant.</summary>
    private static SliceParameters? Parameters(Node node, int opset, IReadOnlyList<Tensor?> values)
    {
        if (opset < 10)
        {
            var starts = node.GetInts("starts") ?? throw new EdgePruneException($"{node.Describe()}: the 'starts' attribute is required before opset 10");
            var ends = node.GetInts("ends") ?? throw new EdgePruneException($"{node.Describe()}: the 'ends' attribute is required before opset 10");
            return new SliceParameters(starts, ends, node.GetInts("axes"), null);
        }

        Tensor? At(int i) => node.OptionalInput(i) is null || i >= values.Count ? null : values[i];
        bool missing = Enumerable.Range(1, 4).Any(i => node.OptionalInput(i) is not null && At(i) is null);
        if (missing || At(1) is null || At(2) is null)
        {
            return null;
        }

        return new SliceParameters(At(1)!.ToInt64Array(), At(2)!.ToInt64Array(), At(3)?.ToInt64Array(), At(4)?.ToInt64Array());
    }

    /// <summary>Per input axis, the window (null for axes not sliced). <paramref name="dims"/> holds null for dims not known.</summary>
    private static Window?[] Windows(Node node, SliceParameters p, long?[] dims)
    {
        int rank = dims.Length;
        int count = p.Starts.Length;
        if (p.Ends.Length != count || p.Axes is { } a && a.Length != count || p.Steps is { } s && s.Length != count)
        {
            throw new EdgePruneException($"{node.Describe()}: starts, ends, axes and steps must have the same length, got {p.Starts.Length}, {p.Ends.Length}, {p.Axes?.Length.ToString() ?? "-"}, {p.Steps?.Length.ToString() ?? "-"}");
        }

        var windows = new Window?[rank];
        for (int i = 0; i < count; i++)
        {
            int axis;
            try
            {
                axis = Axes.Normalize(p.Axes?[i] ?? i, rank);
            }
            catch (EdgePruneException e)
            {
                throw new EdgePruneException($"{node.Describe()}: {e.Message}");
            }

            if (windows[axis] is not null)
            {
                throw new EdgePruneException($"{node.Describe()}: axis {p.Axes?[i] ?? i} is sliced twice");
            }

            long step = p.Steps?[i] ?? 1;
            if (step == 0)
            {
                throw new EdgePruneException($"{node.Describe()}: step 0 on axis {axis}; steps must be non-zero");
            }

            windows[axis] = dims[axis] is { } dim
                ? Clamp(p.Starts[i], p.Ends[i], step, dim)
                : WholeAxis(p.Starts[i], p.Ends[i], step);
        }

        return windows;
    }

    private static Window Clamp(long start, long end, long step, long dim)
    {
        if (dim == 0)
        {
            return new Window(0, step, 0);
        }

        start = start < 0 ? start + dim : start;
        end = end < 0 ? end + dim : end;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, 0, dim);
            return new Window(start, step, end > start ? (end - start + step - 1) / step : 0);
        }

        start = Math.Clamp(start, 0, dim - 1);
        end = Math.Clamp(end, -1, dim - 1);
        return new Window(start, step, start > end ? (start - end - step - 1) / -step : 0);
    }

    /// <summary>For an axis of unknown size, only "from 0 to the end, step 1" has a known length: the input's.</summary>
    private static Window WholeAxis(long start, long end, long step) =>
        new(start, step, null, start == 0 && step == 1 && end >= int.MaxValue);
}
