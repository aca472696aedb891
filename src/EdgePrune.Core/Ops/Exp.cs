using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>Exp: y = eˣ (overflows to +inf above ~88.7). ONNX Operators.md#Exp.</summary>
public sealed class Exp : UnaryFloatOperator
{
    public override string OpType => "Exp";

    protected override Func<float, float> Bind(Node node, int opset) => MathF.Exp;
}
