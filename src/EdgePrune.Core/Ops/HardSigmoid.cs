using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>HardSigmoid: y = max(0, min(1, alpha·x + beta)), alpha 0.2 and beta 0.5 by default. ONNX Operators.md#HardSigmoid.</summary>
public sealed class HardSigmoid : UnaryFloatOperator
{
    public override string OpType => "HardSigmoid";

    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "alpha", "beta" };

    protected override Func<float, float> Bind(Node node, int opset)
    {
        float alpha = node.GetFloat("alpha", 0.2f);
        float beta = node.GetFloat("beta", 0.5f);
        return x => Math.Clamp(alpha * x + beta, 0f, 1f);
    }
}
