using EdgePrune.Runtime.Format;

namespace EdgePrune.Runtime.Engine;

/// <summary>The real clamp [min, max] of the activation fused into FullyConnected or Conv.</summary>
internal static class FusedRange
{
    public static (float Min, float Max) Of(NodeRecord node)
    {
        var activation = (FusedActivation)node.GetInt(AttributeId.Activation, 0);
        return activation switch
        {
            FusedActivation.None => (float.NegativeInfinity, float.PositiveInfinity),
            FusedActivation.Relu => (0f, float.PositiveInfinity),
            FusedActivation.Clip => Checked(node, node.GetFloat(AttributeId.Min, float.NegativeInfinity), node.GetFloat(AttributeId.Max, float.PositiveInfinity)),
            _ => throw new EpbFormatException($"graph section: {node.Describe()}: fused activation {(long)activation} is not defined"),
        };
    }

    private static (float, float) Checked(NodeRecord node, float min, float max) =>
        float.IsNaN(min) || float.IsNaN(max) || min > max
            ? throw new EpbFormatException($"graph section: {node.Describe()}: clip range [{min}, {max}] is empty or NaN")
            : (min, max);
}
