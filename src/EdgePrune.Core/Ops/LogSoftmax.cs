using EdgePrune.Core.Ops.Common;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace EdgePrune.Core.Ops;

/// <summary>LogSoftmax: (x − max) − log Σ exp(x − max) over the axis (opset ≥ 13) or the flattened tail (opset &lt; 13). ONNX Operators.md#LogSoftmax.</summary>
public sealed class LogSoftmax : SoftmaxFamilyOperator
{
    public override string OpType => "LogSoftmax";

    protected override void Normalize(Span<float> row)
    {
        ShiftByMax(row);
        float sum = 0f;
        foreach (float v in row)
        {
            sum += MathF.Exp(v);
        }

        TensorPrimitives.Subtract(row, MathF.Log(sum), row);
    }
}
