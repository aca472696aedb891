using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Inspection;

/// <summary>
/// What one node costs. Sizes and MACs take symbolic dimensions as 1; <see cref="Outputs"/> keeps them symbolic.
/// </summary>
/// <param name="Index">Position in topological order (the node's execution step).</param>
/// <param name="Outputs">Output names and inferred types, symbolic dimensions shown as symbols.</param>
/// <param name="Parameters">Elements of the weight initializers this node is the first to read.</param>
/// <param name="Macs">Multiply-accumulates of one run (from <see cref="Ops.Operator.CountMacs"/>).</param>
/// <param name="WeightBytes">Bytes of those same initializers.</param>
/// <param name="ActivationBytes">Bytes of the node's outputs.</param>
public sealed record LayerReport(
    int Index,
    string Name,
    string OpType,
    IReadOnlyList<ValueInfo> Outputs,
    long Parameters,
    long Macs,
    long WeightBytes,
    long ActivationBytes);
