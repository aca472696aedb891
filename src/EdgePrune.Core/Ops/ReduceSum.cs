using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>ReduceSum: sum over the given axes. ONNX Operators.md#ReduceSum; axes became an input in opset 13.</summary>
public sealed class ReduceSum : ReduceOperator
{
    public override string OpType => "ReduceSum";

    protected override int AxesInputOpset => 13;

    protected override IReadOnlyList<DataType> ElementTypes { get; } = [DataType.Float, DataType.Int32, DataType.Int64];

    protected override double FloatSeed => 0;

    protected override long IntegerSeed(DataType elementType) => 0;

    protected override double Combine(double accumulator, double value) => accumulator + value;

    protected override long Combine(long accumulator, long value) => accumulator + value;
}
