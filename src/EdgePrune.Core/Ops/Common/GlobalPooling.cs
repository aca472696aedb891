using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops.Common;

/// <summary>Base for GlobalAveragePool and GlobalMaxPool: [N, C, D1…Dk] → [N, C, 1…1], one reduction per channel plane.</summary>
public abstract class GlobalPoolingOperator : Operator
{
    public override int MinInputs => 1;
    public override int MaxInputs => 1;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string>();

    /// <summary>Reduces one whole channel plane to a value.</summary>
    protected abstract float Reduce(ReadOnlySpan<float> plane);

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        if (x.ElementType != DataType.Float)
        {
            throw new EdgePruneException($"{node.Describe()}: input is {x.ElementType.OnnxName()}; EdgePrune implements {OpType} for float only");
        }

        if (x.Shape is null)
        {
            return [x];
        }

        if (x.Shape.Count < 3)
        {
            throw new EdgePruneException($"{node.Describe()}: input {x} must be [N, C, D1, …] with at least one spatial axis");
        }

        return [new TensorType(DataType.Float, [x.Shape[0], x.Shape[1], .. Enumerable.Repeat(Dim.Of(1), x.Shape.Count - 2)])];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        if (x.Rank < 3)
        {
            throw new EdgePruneException($"{node.Describe()}: input {x} must be [N, C, D1, …] with at least one spatial axis");
        }

        int planes = x.Shape[0] * x.Shape[1];
        int plane = Axes.Product(x.Shape, 2, x.Rank);
        var xs = x.Span<float>();
        var y = new float[planes];
        for (int p = 0; p < planes; p++)
        {
            y[p] = Reduce(xs.Slice(p * plane, plane));
        }

        return [Tensor.FromArray(y, [x.Shape[0], x.Shape[1], .. Enumerable.Repeat(1, x.Rank - 2)])];
    }
}
