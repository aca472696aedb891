using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>Sub: c = a − b with broadcasting. ONNX Operators.md#Sub.</summary>
public sealed class Sub : BinaryBroadcastOperator
{
    public override string OpType => "Sub";

    protected override float Apply(float a, float b) => a - b;

    protected override long Apply(long a, long b) => a - b;
}
