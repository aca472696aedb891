using EdgePrune.Runtime.Format;

namespace EdgePrune.Runtime;

/// <summary>A model input or output as a caller sees it: name, element type, shape, and int8 scale/zero point (1 and 0 for fp32).</summary>
public sealed record EpbTensorInfo(string Name, EpbDataType DataType, int[] Shape, float Scale, int ZeroPoint)
{
    public int ElementCount => Shape.Aggregate(1, (a, b) => a * b);
}
