using System.Numerics.Tensors;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>GlobalMaxPool: the largest value of each channel plane. ONNX Operators.md#GlobalMaxPool.</summary>
public sealed class GlobalMaxPool : GlobalPoolingOperator
{
    public override string OpType => "GlobalMaxPool";

    protected override float Reduce(ReadOnlySpan<float> plane) => TensorPrimitives.Max(plane);
}
