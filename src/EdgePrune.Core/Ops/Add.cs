using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>Add: c = a + b with broadcasting. ONNX Operators.md#Add.</summary>
public sealed class Add : BinaryBroadcastOperator
{
    public override string OpType => "Add";

    protected override float Apply(float a, float b) => a + b;

    protected override long Apply(long a, long b) => a + b;
}
