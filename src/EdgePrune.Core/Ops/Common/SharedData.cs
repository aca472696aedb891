using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops.Common;

/// <summary>Read access to a tensor's storage without a copy, for kernels that take arrays with offsets.</summary>
internal static class SharedData
{
    /// <summary>
    /// The float array behind <paramref name="tensor"/>, shared: the caller only reads it. Copying instead costs
    /// the whole of a model's weights per run, and fresh memory is slow to touch for the first time.
    /// </summary>
    public static float[] Floats(Tensor tensor, Node node, string input) => tensor.Data as float[]
        ?? throw new EdgePruneException($"{node.Describe()}: input {input} is {tensor.DataType.OnnxName()}; {node.OpType} takes float");
}
