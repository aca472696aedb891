using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>Log: natural logarithm; -inf at 0, NaN for negative x. ONNX Operators.md#Log.</summary>
public sealed class Log : UnaryFloatOperator
{
    public override string OpType => "Log";

    protected override Func<float, float> Bind(Node node, int opset) => MathF.Log;
}
