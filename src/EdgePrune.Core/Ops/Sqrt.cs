using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>Sqrt: y = √x, NaN for negative x. ONNX Operators.md#Sqrt.</summary>
public sealed class Sqrt : UnaryFloatOperator
{
    public override string OpType => "Sqrt";

    protected override Func<float, float> Bind(Node node, int opset) => MathF.Sqrt;
}
