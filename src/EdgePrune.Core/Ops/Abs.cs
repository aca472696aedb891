using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Abs: y = |x|. ONNX Operators.md#Abs. Signed integers wrap (|MinValue| is MinValue), as in ONNX Runtime;
/// unsigned integers pass through.
/// </summary>
public sealed class Abs : NumericUnaryOperator
{
    public override string OpType => "Abs";

    protected override IReadOnlyList<DataType> ElementTypes { get; } =
    [
        DataType.Float, DataType.Double, DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64,
        DataType.UInt8, DataType.UInt16, DataType.UInt32, DataType.UInt64,
    ];

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        return x.DataType switch
        {
            DataType.Float => Map<float>(x, MathF.Abs),
            DataType.Double => Map<double>(x, Math.Abs),
            DataType.Int8 => Map<sbyte>(x, v => unchecked((sbyte)(v < 0 ? -v : v))),
            DataType.Int16 => Map<short>(x, v => unchecked((short)(v < 0 ? -v : v))),
            DataType.Int32 => Map<int>(x, v => unchecked(v < 0 ? -v : v)),
            DataType.Int64 => Map<long>(x, v => unchecked(v < 0 ? -v : v)),
            DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64 => [x],
            _ => throw new EdgePruneException($"{node.Describe()}: input is {x.DataType.OnnxName()}, which Abs does not support"),
        };
    }
}
