using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops;

/// <summary>Identity: the output is the input. ONNX Operators.md#Identity (tensors only; sequences and optionals are not part of EdgePrune's IR).</summary>
public sealed class Identity : Operator
{
    public override string OpType => "Identity";
    public override int MinInputs => 1;
    public override int MaxInputs => 1;
    public override IReadOnlySet<string> Attributes { get; } = new HashSet<string>();

    public override TensorType[] InferTypes(Node node, int opset, IReadOnlyList<TensorType?> inputs, IReadOnlyList<Tensor?> constants) => [inputs[0]!];

    public override Tensor[] Execute(Node node, int opset, IReadOnlyList<Tensor?> inputs) => [inputs[0]!];
}
