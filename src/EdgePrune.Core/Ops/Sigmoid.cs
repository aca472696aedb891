using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>Sigmoid: y = 1 / (1 + e⁻ˣ). ONNX Operators.md#Sigmoid.</summary>
public sealed class Sigmoid : UnaryFloatOperator
{
    public override string OpType => "Sigmoid";

    protected override Func<float, float> Bind(Node node, int opset) => x => (float)(1.0 / (1.0 + Math.Exp(-x)));
}
