using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>Mul: c = a · b with broadcasting. ONNX Operators.md#Mul.</summary>
public sealed class Mul : BinaryBroadcastOperator
{
    public override string OpType => "Mul";

    protected override float Apply(float a, float b) => a * b;

    protected override long Apply(long a, long b) => a * b;
}
