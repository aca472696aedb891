namespace EdgePrune.Compression.Pruning.Structured;

/// <summary>One dependency group: the layers producing it and how many of its channels remain.</summary>
public sealed record GroupPruning(string Layers, int ChannelsBefore, int ChannelsAfter);

/// <summary>What <see cref="StructuredPruner.Prune"/> removed, with the model's parameters and MACs (batch 1) before and after.</summary>
public sealed record StructuredReport(StructuredUnit Unit, IReadOnlyList<GroupPruning> Groups, long ParametersBefore, long ParametersAfter, long MacsBefore, long MacsAfter);

/// <summary>The smaller graph (tensors really shrunk) and its report.</summary>
public sealed record StructuredResult(EdgePrune.Core.Ir.Graph Graph, StructuredReport Report);
