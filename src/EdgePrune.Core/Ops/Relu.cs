using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>Relu: y = max(0, x). ONNX Operators.md#Relu.</summary>
public sealed class Relu : UnaryFloatOperator
{
    public override string OpType => "Relu";

    protected override Func<float, float> Bind(Node node, int opset) => x => x > 0 ? x : 0f;
}
