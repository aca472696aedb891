using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Pruning.Structured;

/// <summary>
/// Channels that touch the same layers and are ranked against each other: for a plain Conv its output channels, for a
/// residual stage every channel tied through its Adds. Each entry of <see cref="Channels"/> is one removable channel,
/// listed as the (value, channel index) pairs that vanish with it.
/// </summary>
/// <param name="Sources">The Conv, Gemm and MatMul nodes whose outputs these channels are.</param>
public sealed record PruningGroup(IReadOnlyList<Node> Sources, IReadOnlyList<IReadOnlyList<(string Value, int Channel)>> Channels)
{
    /// <summary>True when a Conv produces these channels (a <c>channels</c> pattern), false for Gemm/MatMul neurons.</summary>
    public bool IsConvolutional => Sources.Any(s => s.OpType == "Conv");

    public string Describe() => string.Join(" + ", Sources.Select(s => s.Describe()));
}
