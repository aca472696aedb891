using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Pow: z = xʸ with broadcasting; the output has the base's type. ONNX Operators.md#Pow. Opset 7 requires
/// both inputs to be the same float type; from opset 12 base and exponent each may be float, int32 or int64.
/// Integer bases are raised in double and truncated toward zero, as ONNX Runtime's static_cast of std::pow does.
/// </summary>
public sealed class Pow : Operator
{
    private static readonly DataType[] ElementTypes = [DataType.Float, DataType.Int32, DataType.Int64];

    public override string OpType => "Pow";
    public override int MinInputs => 2;
    public override int MaxInputs => 2;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string>();

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants)
    {
        var x = inputs[0]!;
        var y = inputs[1]!;
        if (!ElementTypes.Contains(x.ElementType) || !ElementTypes.Contains(y.ElementType))
        {
            throw new EdgePruneException($"{node.Describe()}: base is {x.ElementType.OnnxName()} and exponent {y.ElementType.OnnxName()}; EdgePrune implements Pow for float, int32 and int64");
        }

        if (opset < 12 && (x.ElementType != DataType.Float || y.ElementType != DataType.Float))
        {
            throw new EdgePruneException($"{node.Describe()}: before opset 12 Pow takes two float inputs, got {x.ElementType.OnnxName()} and {y.ElementType.OnnxName()} (the model declares opset {opset})");
        }

        try
        {
            return [new TensorType(x.ElementType, Broadcast.Shape(x.Shape, y.Shape))];
        }
        catch (EdgePruneException e)
        {
            throw new EdgePruneException($"{node.Describe()}: {e.Message}");
        }
    }

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var y = inputs[1]!;
        var shape = Broadcast.Shape(x.Shape.ToArray(), y.Shape.ToArray());
        int count = (int)Tensor.ElementCountOf(shape);
        var exponents = y.DataType == DataType.Float ? Array.ConvertAll(y.Span<float>().ToArray(), v => (double)v) : Array.ConvertAll(y.ToInt64Array(), v => (double)v);
        switch (x.DataType)
        {
            case DataType.Float:
            {
                var bases = x.Span<float>().ToArray();
                var result = new float[count];
                Broadcast.ForEach(x.Shape, y.Shape, shape, (o, i, j) => result[o] = MathF.Pow(bases[i], (float)exponents[j]));
                return [Tensor.FromArray(result, shape)];
            }

            case DataType.Int32:
            {
                var bases = x.ToInt64Array();
                var result = new int[count];
                Broadcast.ForEach(x.Shape, y.Shape, shape, (o, i, j) => result[o] = unchecked((int)TruncatedPower(bases[i], exponents[j])));
                return [Tensor.FromArray(result, shape)];
            }

            case DataType.Int64:
            {
                var bases = x.ToInt64Array();
                var result = new long[count];
                Broadcast.ForEach(x.Shape, y.Shape, shape, (o, i, j) => result[o] = TruncatedPower(bases[i], exponents[j]));
                return [Tensor.FromArray(result, shape)];
            }

            default:
                throw new EdgePruneException($"{node.Describe()}: base is {x.DataType.OnnxName()}, which Pow does not support");
        }
    }

    /// <summary>Out-of-range results give long.MinValue, which is what x86-64's cvttsd2si yields for ONNX Runtime's cast.</summary>
    private static long TruncatedPower(long value, double exponent)
    {
        double p = Math.Truncate(Math.Pow(value, exponent));
        return p >= long.MinValue && p < 9.2233720368547758e18 ? (long)p : long.MinValue;
    }
}
