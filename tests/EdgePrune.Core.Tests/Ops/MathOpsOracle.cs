using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;
using EdgePrune.TestSupport;

namespace EdgePrune.Core.Tests.Ops;

/// <summary>Shared steps of the math-op tests: run a graph in ONNX Runtime and in the reference executor and compare.</summary>
internal static class MathOpsOracle
{
    /// <summary>
    /// Infers types, runs ONNX Runtime (the oracle) and the reference executor, and asserts every output agrees in
    /// type, shape and values, and that the inferred output types fit what ONNX Runtime produced.
    /// </summary>
    public static void AssertMatchesOnnxRuntime(Graph graph, IReadOnlyDictionary<string, Tensor> feeds, float atol = 1e-5f, float rtol = 1e-5f)
    {
        Assert.Empty(OpSet.Default.FindProblems(graph));
        var inferred = ShapeInference.Infer(graph, "test graph");

        // Opset 21 belongs to ONNX IR version 10.
        var model = new Model { Graph = inferred, IrVersion = graph.Opset >= 21 ? 10 : 8 };
        var expected = OrtOracle.Run(model, feeds);
        var actual = ReferenceExecutor.Run(inferred, feeds);
        foreach (var output in inferred.Outputs)
        {
            var e = expected[output.Name];
            Agreement.AssertClose(e, actual[output.Name], atol, rtol, output.Name);
            Assert.Equal(e.DataType, output.Type.ElementType);
            if (output.Type.Shape is { } shape)
            {
                Assert.Equal(e.Rank, shape.Count);
                for (int d = 0; d < shape.Count; d++)
                {
                    Assert.True(!shape[d].IsKnown || shape[d].Value == e.Shape[d], $"{output.Name}: inferred {output.Type}, ONNX Runtime gave {e}");
                }
            }
        }
    }

    /// <summary>Load-time problems (attributes, arity) and shape-inference problems of a graph.</summary>
    public static List<string> Problems(Graph graph)
    {
        var problems = OpSet.Default.FindProblems(graph);
        if (problems.Count == 0)
        {
            problems.AddRange(ShapeInference.TryInfer(graph).Problems);
        }

        return problems;
    }

    /// <summary>Asserts the graph has exactly one problem, that it names <paramref name="nodeName"/>, and contains <paramref name="fragment"/>.</summary>
    public static void AssertSingleProblem(Graph graph, string nodeName, string fragment)
    {
        var problem = Assert.Single(Problems(graph));
        Assert.Contains($"'{nodeName}'", problem);
        Assert.Contains(fragment, problem);
    }

    public static int[] RandomShape(Random random, int minRank, int maxRank, int maxDim = 5)
    {
        int rank = random.Next(minRank, maxRank + 1);
        return Enumerable.Range(0, rank).Select(_ => random.Next(1, maxDim + 1)).ToArray();
    }

    public static Dim[] Dims(int[] shape) => shape.Select(d => Dim.Of(d)).ToArray();

    public static Dictionary<string, AttributeValue> Attributes(params (string Name, AttributeValue Value)[] attributes) =>
        attributes.ToDictionary(a => a.Name, a => a.Value);
}
