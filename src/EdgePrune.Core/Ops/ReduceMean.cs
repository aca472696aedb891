using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// ReduceMean: arithmetic mean over the given axes. ONNX Operators.md#ReduceMean; axes became an input in opset 18.
/// Float only: integer means (truncating division in ONNX Runtime) do not occur in the models EdgePrune targets.
/// </summary>
public sealed class ReduceMean : ReduceOperator
{
    public override string OpType => "ReduceMean";

    protected override int AxesInputOpset => 18;

    protected override IReadOnlyList<DataType> ElementTypes { get; } = [DataType.Float];

    protected override double FloatSeed => 0;

    protected override long IntegerSeed(DataType elementType) => 0;

    protected override double Combine(double accumulator, double value) => accumulator + value;

    protected override long Combine(long accumulator, long value) => accumulator + value;

    /// <summary>An empty reduction divides 0 by 0, giving NaN as ONNX Runtime does.</summary>
    protected override double Finish(double accumulator, long count) => accumulator / count;
}
