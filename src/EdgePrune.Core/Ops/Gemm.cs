using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Gemm: Y = alpha·op(A)·op(B) + beta·C, op = optional transpose, C broadcast to [M, N] (unidirectional).
/// ONNX Operators.md#Gemm. C is optional from opset 11.
/// </summary>
public sealed class Gemm : Operator
{
    public override string OpType => "Gemm";
    public override int MinInputs => 2;
    public override int MaxInputs => 3;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "alpha", "beta", "transA", "transB", "broadcast" };

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        if (a.ElementType != DataType.Float || b.ElementType != DataType.Float)
        {
            throw new EdgePruneException($"{node.Describe()}: inputs are {a.ElementType.OnnxName()} and {b.ElementType.OnnxName()}; EdgePrune implements Gemm for float only");
        }

        if (a.Rank is not null and not 2 || b.Rank is not null and not 2)
        {
            throw new EdgePruneException($"{node.Describe()}: A and B must be 2-D, got {a} and {b}");
        }

        bool transA = node.GetInt("transA", 0) != 0;
        bool transB = node.GetInt("transB", 0) != 0;
        Dim m = a.Shape is null ? Dim.Unknown : a.Shape[transA ? 1 : 0];
        Dim ka = a.Shape is null ? Dim.Unknown : a.Shape[transA ? 0 : 1];
        Dim kb = b.Shape is null ? Dim.Unknown : b.Shape[transB ? 1 : 0];
        Dim n = b.Shape is null ? Dim.Unknown : b.Shape[transB ? 0 : 1];
        if (ka.IsKnown && kb.IsKnown && ka.Value != kb.Value)
        {
            throw new EdgePruneException($"{node.Describe()}: inner dimensions differ: A is {a}{(transA ? " (transposed)" : "")}, B is {b}{(transB ? " (transposed)" : "")}");
        }

        return [new TensorType(DataType.Float, [m, n])];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        var c = inputs.Count > 2 ? inputs[2] : null;
        bool transA = node.GetInt("transA", 0) != 0;
        bool transB = node.GetInt("transB", 0) != 0;
        float alpha = node.GetFloat("alpha", 1f);
        float beta = node.GetFloat("beta", 1f);
        int m = a.Shape[transA ? 1 : 0], k = a.Shape[transA ? 0 : 1];
        int n = b.Shape[transB ? 0 : 1];
        if (b.Shape[transB ? 1 : 0] != k)
        {
            throw new EdgePruneException($"{node.Describe()}: inner dimensions differ: A is {a}, B is {b}");
        }

        var av = a.Span<float>();
        var bv = b.Span<float>();
        var y = new float[m * n];
        var row = new float[k];
        var col = new float[k];
        for (int i = 0; i < m; i++)
        {
            for (int p = 0; p < k; p++)
            {
                row[p] = transA ? av[p * m + i] : av[i * k + p];
            }

            for (int j = 0; j < n; j++)
            {
                for (int p = 0; p < k; p++)
                {
                    col[p] = transB ? bv[j * k + p] : bv[p * n + j];
                }

                y[i * n + j] = alpha * System.Numerics.Tensors.TensorPrimitives.Dot<float>(row, col);
            }
        }

        if (c is not null && beta != 0f)
        {
            var cv = c.ToFloatArray();
            var strides = Common.Broadcast.Strides(c.Shape, [m, n]);
            if (c.Rank > 2 || Common.Broadcast.Shape(c.Shape.ToArray(), [m, n]) is not [var bm, var bn] || bm != m || bn != n)
            {
                throw new EdgePruneException($"{node.Describe()}: C of shape {Tensor.FormatShape(c.Shape)} cannot be broadcast to [{m}, {n}]");
            }

            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    y[i * n + j] += beta * cv[i * strides[0] + j * strides[1]];
                }
            }
        }

        return [Tensor.FromArray(y, m, n)];
    }

    public override long CountMacs(Node node, IReadOnlyList<TensorType?> inputs, IReadOnlyList<TensorType> outputs)
    {
        var a = inputs[0];
        var y = outputs[0];
        if (a?.Shape is null || y.Shape is null || !y.IsFullyKnown)
        {
            return 0;
        }

        var k = a.Shape[node.GetInt("transA", 0) != 0 ? 0 : 1];
        return k.IsKnown ? y.Shape[0].Value!.Value * y.Shape[1].Value!.Value * k.Value!.Value : 0;
    }
}
