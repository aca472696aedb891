namespace EdgePrune.Runtime.Format;

/// <summary>Everything a valid file holds, as the reader checked it: the input of the engine's prepare step.</summary>
public sealed class EpbContent
{
    public required ushort MinorVersion { get; init; }
    public required TensorRecord[] Tensors { get; init; }
    public required NodeRecord[] Nodes { get; init; }
    public required int ArenaBytes { get; init; }
    public required int[] Inputs { get; init; }
    public required int[] Outputs { get; init; }
    public required byte[] SourceSha256 { get; init; }
    public required string Producer { get; init; }
    public required string[] Labels { get; init; }

    /// <summary>The trees section, validated, when the model is a tree ensemble.</summary>
    public TreeTables? Trees { get; init; }
}
