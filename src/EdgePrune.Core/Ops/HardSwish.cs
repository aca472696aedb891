using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>HardSwish: y = x · max(0, min(1, x/6 + 1/2)), i.e. x · HardSigmoid(x) with alpha 1/6. ONNX Operators.md#HardSwish.</summary>
public sealed class HardSwish : UnaryFloatOperator
{
    public override string OpType => "HardSwish";

    public override int SinceOpset => 14;

    protected override Func<float, float> Bind(Node node, int opset) => x => x * Math.Clamp(x / 6f + 0.5f, 0f, 1f);
}
