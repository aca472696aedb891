using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// ReduceMax: maximum over the given axes. ONNX Operators.md#ReduceMax; axes became an input in opset 18.
/// An empty reduction gives the type's lowest value (-inf for float), as the opset-18 text specifies.
/// </summary>
public sealed class ReduceMax : ReduceOperator
{
    public override string OpType => "ReduceMax";

    protected override int AxesInputOpset => 18;

    protected override IReadOnlyList<DataType> ElementTypes { get; } = [DataType.Float, DataType.Int32, DataType.Int64];

    protected override double FloatSeed => double.NegativeInfinity;

    protected override long IntegerSeed(DataType elementType) => elementType == DataType.Int32 ? int.MinValue : long.MinValue;

    protected override double Combine(double accumulator, double value) => Math.Max(accumulator, value);

    protected override long Combine(long accumulator, long value) => Math.Max(accumulator, value);
}
