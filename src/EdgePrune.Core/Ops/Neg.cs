using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Neg: y = -x. ONNX Operators.md#Neg. Signed integers wrap (−MinValue is MinValue), as two's-complement
/// negation does in ONNX Runtime.
/// </summary>
public sealed class Neg : NumericUnaryOperator
{
    public override string OpType => "Neg";

    protected override IReadOnlyList<DataType> ElementTypes { get; } =
        [DataType.Float, DataType.Double, DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64];

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        return x.DataType switch
        {
            DataType.Float => Map<float>(x, v => -v),
            DataType.Double => Map<double>(x, v => -v),
            DataType.Int8 => Map<sbyte>(x, v => unchecked((sbyte)-v)),
            DataType.Int16 => Map<short>(x, v => unchecked((short)-v)),
            DataType.Int32 => Map<int>(x, v => unchecked(-v)),
            DataType.Int64 => Map<long>(x, v => unchecked(-v)),
            _ => throw new EdgePruneException($"{node.Describe()}: input is {x.DataType.OnnxName()}, which Neg does not support"),
        };
    }
}
