using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>Tanh: hyperbolic tangent. ONNX Operators.md#Tanh.</summary>
public sealed class Tanh : UnaryFloatOperator
{
    public override string OpType => "Tanh";

    protected override Func<float, float> Bind(Node node, int opset) => MathF.Tanh;
}
