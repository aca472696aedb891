using EdgePrune.Core;

namespace EdgePrune.Compression.Pruning.Structured;

/// <summary>What a structured pass removes: output channels of Conv, neurons of Gemm/MatMul, or residual blocks.</summary>
public enum StructuredUnit
{
    Channels,
    Neurons,

    /// <summary>Residual blocks replaced by their identity skip (<see cref="ResidualBlockRemover"/>).</summary>
    Layers,
}

/// <summary>How the channels of a group are ranked; the lowest go first.</summary>
public enum ChannelImportance
{
    /// <summary>Sum over the group's producing layers of the L2 norm of each channel's weights.</summary>
    L2,

    /// <summary>Sum of |w| of each channel's weights over the producing layers.</summary>
    L1,

    /// <summary>
    /// |γ| of the BatchNormalization scales that normalize the channel (network slimming, Liu et al. 2017), summed over
    /// the group's BatchNorms; groups with no BatchNorm fall back to <see cref="L2"/>.
    /// </summary>
    BatchNormScale,
}

public sealed record StructuredOptions
{
    /// <summary>Fraction of the channels of every removable group taken out, in [0, 1); each group keeps at least one.</summary>
    public float Fraction { get; init; }

    public StructuredUnit Unit { get; init; } = StructuredUnit.Channels;

    public ChannelImportance Importance { get; init; } = ChannelImportance.L2;

    public void Validate()
    {
        if (!(Fraction >= 0 && Fraction < 1))
        {
            throw new EdgePruneException($"the fraction of {Unit.ToString().ToLowerInvariant()} to remove must be in [0, 1) (got {Fraction})");
        }
    }
}
