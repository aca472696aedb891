using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>LeakyRelu: y = x for x ≥ 0, alpha·x otherwise (alpha defaults to 0.01). ONNX Operators.md#LeakyRelu.</summary>
public sealed class LeakyRelu : UnaryFloatOperator
{
    public override string OpType => "LeakyRelu";

    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string> { "alpha" };

    protected override Func<float, float> Bind(Node node, int opset)
    {
        float alpha = node.GetFloat("alpha", 0.01f);
        return x => x >= 0 ? x : alpha * x;
    }
}
