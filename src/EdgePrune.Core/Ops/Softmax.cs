using EdgePrune.Core.Ops.Common;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace EdgePrune.Core.Ops;

/// <summary>Softmax: exp(x − max) / Σ exp(x − max) over the axis (opset ≥ 13) or the flattened tail (opset &lt; 13). ONNX Operators.md#Softmax.</summary>
public sealed class Softmax : SoftmaxFamilyOperator
{
    public override string OpType => "Softmax";

    protected override void Normalize(Span<float> row)
    {
        ShiftByMax(row);
        TensorPrimitives.Exp(row, row);
        TensorPrimitives.Divide(row, TensorPrimitives.Sum(row), row);
    }
}
