using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Div: c = a / b with broadcasting. ONNX Operators.md#Div. Integer division truncates toward zero, as
/// ONNX Runtime's does (C++ semantics, not numpy's floor division).
/// </summary>
public sealed class Div : BinaryBroadcastOperator
{
    public override string OpType => "Div";

    protected override float Apply(float a, float b) => a / b;

    protected override long Apply(long a, long b) => b != 0
        ? a / b
        : throw new EdgePruneException($"integer division by zero ({a} / 0)");
}
