namespace EdgePrune.Export.Epb;

/// <summary>Bytes of one section of the written file (payload, without the alignment padding after it).</summary>
public sealed record SectionSize(string Section, long Bytes);

/// <summary>One constant as written: the layer that reads it, the encoding chosen, its bytes and what dense storage would cost.</summary>
public sealed record WeightSize(string Layer, string Op, string Tensor, string DataType, string Encoding, long Bytes, long DenseBytes, int Nonzeros, int Elements);

/// <summary>What <see cref="EpbWriter"/> wrote: total, per section, per weight tensor, the arena size and the number of nodes.</summary>
public sealed record EpbReport(long TotalBytes, IReadOnlyList<SectionSize> Sections, IReadOnlyList<WeightSize> Weights, long ArenaBytes, int Nodes);

/// <summary>The written file and its report.</summary>
public sealed record EpbExport(byte[] Bytes, EpbReport Report);

/// <summary>Inputs of the writer beyond the graph.</summary>
public sealed class EpbWriteOptions
{
    /// <summary>The source model file's bytes, hashed (SHA-256) into the metadata; null writes zeros.</summary>
    public byte[]? SourceModel { get; init; }

    public EpbQuantization? Quantization { get; init; }

    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>False keeps every weight dense (for comparisons); true lets each weight take its smallest encoding.</summary>
    public bool AllowSparse { get; init; } = true;

    /// <summary>Among a weight's exact encodings, the smallest (default) or the fastest on a Cortex-M4 no larger than dense.</summary>
    public EncodingGoal Optimize { get; init; } = EncodingGoal.Size;

    public string Producer { get; init; } = "EdgePrune";
}
