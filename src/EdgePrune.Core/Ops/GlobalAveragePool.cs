using System.Numerics.Tensors;
using EdgePrune.Core.Ops.Common;

namespace EdgePrune.Core.Ops;

/// <summary>GlobalAveragePool: the mean of each channel plane. ONNX Operators.md#GlobalAveragePool.</summary>
public sealed class GlobalAveragePool : GlobalPoolingOperator
{
    public override string OpType => "GlobalAveragePool";

    protected override float Reduce(ReadOnlySpan<float> plane) => TensorPrimitives.Sum(plane) / plane.Length;
}
