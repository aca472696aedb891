using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Shape: the input's dimensions as a 1-D int64 tensor. ONNX Operators.md#Shape. From opset 15 'start' and
/// 'end' (negative counts from the back, clamped to [0, rank]) select a range of the dimensions.
/// </summary>
public sealed class Shape : Operator
{
    public override string OpType => "Shape";
    public override int MinInputs => 1;
    public override int MaxInputs => 1;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "start", "end" };

    public override void Validate(Node node, int opset, List<string> problems)
    {
        if (opset < 15 && (node.HasAttribute("start") || node.HasAttribute("end")))
        {
            problems.Add($"attributes 'start' and 'end' exist only from opset 15, but the model declares opset {opset}");
        }
    }

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        if (x.Rank is not { } rank)
        {
            return [new TensorType(DataType.Int64, [Dim.Unknown])];
        }

        var (start, end) = Range(node, opset, rank);
        return [TensorType.Of(DataType.Int64, end - start)];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var (start, end) = Range(node, opset, x.Rank);
        var dims = x.Shape[start..end].ToArray().Select(d => (long)d).ToArray();
        return [Tensor.FromArray(dims, dims.Length)];
    }

    /// <summary>The dimensions [Start, End) of a rank-<paramref name="rank"/> input that the node reports (End ≥ Start).</summary>
    public static (int Start, int End) Range(Node node, int opset, int rank)
    {
        if (opset < 15)
        {
            return (0, rank);
        }

        int Clamped(long i) => (int)Math.Clamp(i < 0 ? i + rank : i, 0, rank);
        int start = Clamped(node.GetInt("start", 0));
        int end = Clamped(node.GetInt("end", rank));
        return (start, Math.Max(start, end));
    }
}
