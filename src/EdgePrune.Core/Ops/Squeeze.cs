using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Squeeze: removes size-1 dimensions. ONNX Operators.md#Squeeze. The axes are an attribute before opset 13
/// and an optional int64 input from 13; negative axes count from the back; without axes every 1 is removed.
/// </summary>
public sealed class Squeeze : Operator
{
    public override string OpType => "Squeeze";
    public override int MinInputs => 1;
    public override int MaxInputs => 2;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "axes" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (opset >= 13 && node.HasAttribute("axes"))
        {
            problems.Add($"from opset 13 the axes are an input, not an attribute (the model declares opset {opset})");
        }

        if (opset < 13 && node.OptionalInput(1) is not null)
        {
            problems.Add($"the 'axes' input exists only from opset 13; before that axes are an attribute (the model declares opset {opset})");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        bool axesFromInput = opset >= 13 && node.OptionalInput(1) is not null;
        if (axesFromInput && inputs[1]!.ElementType != DataType.Int64)
        {
            throw new EdgePruneException($"{node.Describe()}: the 'axes' input must be int64, got {inputs[1]!.ElementType.OnnxName()}");
        }

        if (x.Shape is null)
        {
            return [new TensorType(x.ElementType, null)];
        }

        if (axesFromInput && constants[1] is null)
        {
            // Which axes go is decided at run time; the rank is known when the number of axes is.
            var count = inputs[1]!.Shape is [{ IsKnown: true } n] ? n.Value : null;
            return [new TensorType(x.ElementType, count is null ? null : Enumerable.Repeat(Dim.Unknown, x.Shape.Count - (int)count.Value).ToArray())];
        }

        var axes = AxesOf(node, opset, axesFromInput ? constants[1] : null);
        if (axes is null && !x.Shape.All(d => d.IsKnown))
        {
            // A symbolic dimension may or may not be 1 at run time, so even the output rank is open.
            return [new TensorType(x.ElementType, null)];
        }

        var squeezed = Squeezed(node, x.Shape.Select(d => d.Value).ToArray(), axes);
        return [new TensorType(x.ElementType, x.Shape.Where((_, i) => !squeezed.Contains(i)).ToArray())];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var shape = x.Shape.ToArray();
        var squeezed = Squeezed(node, shape.Select(d => (long?)d).ToArray(), AxesOf(node, opset, inputs.Count > 1 ? inputs[1] : null));
        return [x.Reshape(shape.Where((_, i) => !squeezed.Contains(i)).ToArray())];
    }

    /// <summary>The axes to squeeze; null for "every 1", which an empty list also means (as ONNX Runtime reads it).</summary>
    private static long[]? AxesOf(Node node, int opset, Tensor? axesInput) =>
        (opset >= 13 ? axesInput?.ToInt64Array() : node.GetInts("axes")) is { Length: > 0 } axes ? axes : null;

    /// <summary>The normalized axes to remove; <paramref name="dims"/> holds null for dims not known.</summary>
    private static HashSet<int> Squeezed(Node node, long?[] dims, long[]? axes)
    {
        if (axes is null)
        {
            return Enumerable.Range(0, dims.Length).Where(i => dims[i] == 1).ToHashSet();
        }

        var result = new HashSet<int>();
        foreach (long axis in axes)
        {
            int a;
            try
            {
                a = Axes.Normalize(axis, dims.Length);
            }
            catch (EdgePruneException e)
            {
                throw new EdgePruneException($"{node.Describe()}: {e.Message}");
            }

            if (!result.Add(a))
            {
                throw new EdgePruneException($"{node.Describe()}: axis {axis} is listed twice in axes [{string.Join(", ", axes)}]");
            }

            if (dims[a] is { } size && size != 1)
            {
                throw new EdgePruneException($"{node.Describe()}: cannot squeeze axis {axis}, its size is {size}, not 1");
            }
        }

        return result;
    }
}
