using EdgePrune.Core.Ir;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace EdgePrune.Core.Ops.Common;

/// <summary>
/// Base for Softmax and LogSoftmax. ONNX Operators.md#Softmax: before opset 13 the input is viewed as a
/// 2-D matrix [d0·…·d(axis−1), d(axis)·…·d(n−1)] (default axis 1) and each row is normalized; from opset 13
/// the op normalizes along the single axis 'axis' (default −1).
/// </summary>
public abstract class SoftmaxFamilyOperator : Operator
{
    public override int MinInputs => 1;
    public override int MaxInputs => 1;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "axis" };

    /// <summary>Normalizes one row in place: <paramref name="row"/> holds the inputs and receives the outputs.</summary>
    protected abstract void Normalize(Span<float> row);

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        if (x.ElementType != DataType.Float)
        {
            throw new EdgePruneException($"{node.Describe()}: input is {x.ElementType.OnnxName()}; EdgePrune implements {OpType} for float only");
        }

        if (x.Rank is { } rank)
        {
            Axes.Normalize(node.GetInt("axis", DefaultAxis(opset)), rank);
        }

        return [x];
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        int axis = Axes.Normalize(node.GetInt("axis", DefaultAxis(opset)), x.Rank);
        if (x.ElementCount == 0)
        {
            return [x];
        }

        int outer = Axes.Product(x.Shape, 0, axis);
        // Opset < 13 flattens everything from 'axis' on into one row; opset ≥ 13 normalizes d(axis) values spaced 'inner' apart.
        int length = opset < 13 ? Axes.Product(x.Shape, axis, x.Rank) : x.Shape[axis];
        int inner = opset < 13 ? 1 : Axes.Product(x.Shape, axis + 1, x.Rank);
        var y = x.ToFloatArray();
        var row = new float[length];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int start = o * length * inner + i;
                for (int k = 0; k < length; k++)
                {
                    row[k] = y[start + k * inner];
                }

                Normalize(row);
                for (int k = 0; k < length; k++)
                {
                    y[start + k * inner] = row[k];
                }
            }
        }

        return [Tensor.FromArray(y, x.Shape.ToArray())];
    }

    public override long CountMacs(Node node, IReadOnlyList<TensorType?> inputs, IReadOnlyList<TensorType> outputs) =>
        outputs[0].IsFullyKnown ? outputs[0].ConcreteShape().Aggregate(1L, (p, d) => p * d) : 0;

    private static int DefaultAxis(int opset) => opset < 13 ? 1 : -1;

    /// <summary>Subtracts the row's maximum, so exp never overflows.</summary>
    protected static void ShiftByMax(Span<float> row) => TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), row);
}
