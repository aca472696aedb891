using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;

namespace EdgePrune.Core.Tests.Rewrites;

/// <summary>Checks shared by the rewrite tests: ONNX Runtime on the original graph is the oracle for the rewritten one.</summary>
internal static class RewriteAssert
{
    /// <summary>
    /// The rewritten graph is well formed and already in topological order, keeps the original's output
    /// names, and ONNX Runtime gives the same outputs on both (within atol + rtol·|expected|).
    /// </summary>
    public static void OutputsAgreeInOnnxRuntime(Graph original, Graph rewritten, IReadOnlyDictionary<string, Tensor> feeds, float atol = 1e-5f, float rtol = 1e-4f)
    {
        Assert.Same(rewritten, GraphValidator.SortAndCheckStructure(rewritten, "rewritten graph"));
        Assert.Equal(original.Outputs.Select(o => o.Name), rewritten.Outputs.Select(o => o.Name));
        var expected = OrtOracle.Run(original, feeds);
        var actual = OrtOracle.Run(rewritten, feeds);
        foreach (var output in original.Outputs)
        {
            Agreement.AssertClose(expected[output.Name], actual[output.Name], atol, rtol, output.Name);
        }
    }

    public static int Count(Graph graph, string opType) => graph.Nodes.Count(n => n.OpType == opType);

    public static string[] OpTypes(Graph graph) => [.. graph.Nodes.Select(n => n.OpType)];

    public static Dictionary<string, AttributeValue> Attributes(params (string Name, AttributeValue Value)[] attributes) =>
        attributes.ToDictionary(a => a.Name, a => a.Value);

    public static TensorType Float(params Dim[] shape) => new(DataType.Float, shape);
}
