using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Pad: adds pads[i] elements before and pads[i + rank] after axis i; negative pads crop. ONNX Operators.md#Pad:
/// opsets 2–10 take 'pads' and 'value' as attributes; from opset 11 they are inputs (pads int64 [2·rank],
/// optional scalar constant_value); opset 18 adds an optional 'axes' input naming the padded axes.
/// Modes constant, reflect (mirror without repeating the edge) and edge (repeat the edge); opset 19's wrap is reported.
/// </summary>
public sealed class Pad : Operator
{
    private enum Mode
    {
        Constant,
        Reflect,
        Edge,
    }

    public override string OpType => "Pad";
    public override int MinInputs => 1;
    public override int MaxInputs => 4;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "mode", "pads", "value" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        ParseMode(node);
        if (opset < 11)
        {
            if (node.GetInts("pads") is null)
            {
                problems.Add($"attribute 'pads' is required at opset {opset}");
            }

            if (node.Inputs.Length > 1)
            {
                problems.Add($"takes only the data input at opset {opset} (pads and value are attributes before opset 11)");
            }
        }
        else
        {
            if (node.HasAttribute("pads") || node.HasAttribute("value"))
            {
                problems.Add($"attributes 'pads' and 'value' exist only before opset 11; at opset {opset} they are inputs");
            }

            if (node.OptionalInput(1) is null)
            {
                problems.Add($"input 'pads' is required at opset {opset}");
            }

            if (opset < 18 && node.OptionalInput(3) is not null)
            {
                problems.Add($"input 'axes' exists only from opset 18, but the model declares opset {opset}");
            }
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        if (x.ElementType != DataType.Float)
        {
            throw new EdgePruneException($"{node.Describe()}: input is {x.ElementType.OnnxName()}; EdgePrune implements Pad for float only");
        }

        if (x.Shape is null)
        {
            return [x];
        }

        bool padsKnown = opset < 11 || (constants[1] is not null && (inputs.Count < 4 || inputs[3] is null || constants[3] is not null));
        if (!padsKnown)
        {
            return [new TensorType(DataType.Float, x.Shape.Select(_ => Dim.Unknown).ToArray())];
        }

        var (begin, end) = ReadPads(node, opset, x.Shape.Count, constants.Count > 1 ? constants[1] : null, constants.Count > 3 ? constants[3] : null);
        var output = new Dim[x.Shape.Count];
        for (int d = 0; d < output.Length; d++)
        {
            long change = begin[d] + end[d];
            var dim = x.Shape[d];
            output[d] = change == 0 ? dim
                : dim.IsKnown ? Dim.Of(OutputSize(node, d, dim.Value!.Value, change))
                : Dim.Unknown;
        }

        return [new TensorType(DataType.Float, output)];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        int rank = x.Rank;
        var (begin, end) = ReadPads(node, opset, rank, inputs.Count > 1 ? inputs[1] : null, inputs.Count > 3 ? inputs[3] : null);
        float value = opset < 11
            ? node.GetFloat("value", 0f)
            : inputs.Count > 2 && inputs[2] is { } c ? ScalarValue(node, c) : 0f;
        var mode = ParseMode(node);
        var inputSize = x.Shape.ToArray();
        var outputSize = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            outputSize[d] = checked((int)OutputSize(node, d, inputSize[d], begin[d] + end[d]));
            // Negative pads crop first; reflect and edge then extend what is left, as ONNX Runtime does.
            long kept = inputSize[d] + Math.Min(begin[d], 0) + Math.Min(end[d], 0);
            bool extends = begin[d] > 0 || end[d] > 0;
            if (mode != Mode.Constant && extends && kept <= 0)
            {
                throw new EdgePruneException($"{node.Describe()}: cannot pad axis {d} in {mode.ToString().ToLowerInvariant()} mode: no element of it is left after cropping");
            }

            if (mode == Mode.Reflect && extends && (begin[d] >= kept || end[d] >= kept))
            {
                throw new EdgePruneException($"{node.Describe()}: reflect pads on axis {d} ({begin[d]}, {end[d]}) must be smaller than the {kept} elements it keeps");
            }
        }

        var xs = x.Span<float>();
        var y = new float[Tensor.ElementCountOf(outputSize)];
        var index = new int[rank];
        for (int o = 0; o < y.Length; o++)
        {
            int source = 0;
            bool inside = true;
            for (int d = 0; d < rank; d++)
            {
                int i = checked((int)(index[d] - begin[d]));
                int n = inputSize[d];
                if (i < 0 || i >= n)
                {
                    switch (mode)
                    {
                        case Mode.Constant:
                            inside = false;
                            break;
                        case Mode.Edge:
                            i = Math.Clamp(i, 0, n - 1);
                            break;
                        case Mode.Reflect:
                            i = n == 1 ? 0 : i < 0 ? -i : 2 * (n - 1) - i;
                            break;
                    }
                }

                source = source * n + i;
            }

            y[o] = inside ? xs[source] : value;
            for (int d = rank - 1; d >= 0 && ++index[d] == outputSize[d]; d--)
            {
                index[d] = 0;
            }
        }

        return [Tensor.FromArray(y, outputSize)];
    }

    private static Mode ParseMode(Node node) => node.GetString("mode", "constant") switch
    {
        "constant" => Mode.Constant,
        "reflect" => Mode.Reflect,
        "edge" => Mode.Edge,
        var other => throw new EdgePruneException($"{node.Describe()}: mode \"{other}\" is not supported (constant, reflect and edge are)"),
    };

    /// <summary>Pads per axis of a rank-<paramref name="rank"/> input, from the attribute (opset &lt; 11) or the pads and axes inputs.</summary>
    private static (long[] Begin, long[] End) ReadPads(Node node, int opset, int rank, Tensor? padsInput, Tensor? axesInput)
    {
        long[] pads = opset < 11
            ? node.GetInts("pads") ?? throw new EdgePruneException($"{node.Describe()}: attribute 'pads' is required")
            : padsInput?.ToInt64Array() ?? throw new EdgePruneException($"{node.Describe()}: input 'pads' is required");
        int[] axes = axesInput is null
            ? Enumerable.Range(0, rank).ToArray()
            : axesInput.ToInt64Array().Select(a => Axes.Normalize(a, rank, "axes entry")).ToArray();
        if (pads.Length != 2 * axes.Length)
        {
            throw new EdgePruneException($"{node.Describe()}: pads holds {pads.Length} values but {2 * axes.Length} are needed (begins then ends for {axes.Length} axes)");
        }

        var begin = new long[rank];
        var end = new long[rank];
        for (int i = 0; i < axes.Length; i++)
        {
            begin[axes[i]] = pads[i];
            end[axes[i]] = pads[i + axes.Length];
        }

        return (begin, end);
    }

    private static long OutputSize(Node node, int axis, long input, long change) =>
        input + change >= 0
            ? input + change
            : throw new EdgePruneException($"{node.Describe()}: pads on axis {axis} crop more than its {input} elements");

    private static float ScalarValue(Node node, Tensor constant) => constant.ElementCount == 1
        ? constant.ToFloatArray()[0]
        : throw new EdgePruneException($"{node.Describe()}: constant_value must be a scalar, got {constant}");
}
