using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;
using EdgePrune.TestSupport;

namespace EdgePrune.Core.Tests.Ops;

/// <summary>
/// Shared steps of the shape / data-movement op tests: random tensors of any element type, and the comparison
/// of a small graph's outputs between ONNX Runtime (the oracle) and the reference executor. Data movement
/// copies elements, so outputs must be bit-identical.
/// </summary>
public static class DataMovementOracle
{
    /// <summary>The element types every data-movement op is tested with: float, int64 and one more.</summary>
    public static TheoryData<DataType> Types => [DataType.Float, DataType.Int64, DataType.Int8, DataType.Bool];

    public static Tensor Random(Random random, DataType type, params int[] shape)
    {
        int count = (int)Tensor.ElementCountOf(shape);
        return type switch
        {
            DataType.Float => TestTensors.Uniform(random, shape, -10f, 10f),
            DataType.Double => Tensor.FromArray(Enumerable.Range(0, count).Select(_ => random.NextDouble() * 20 - 10).ToArray(), shape),
            DataType.Int64 => Tensor.FromArray(Enumerable.Range(0, count).Select(_ => random.NextInt64(-1L << 40, 1L << 40)).ToArray(), shape),
            DataType.Int32 => Tensor.FromArray(Enumerable.Range(0, count).Select(_ => random.Next(int.MinValue, int.MaxValue)).ToArray(), shape),
            DataType.Int8 => Tensor.FromArray(Enumerable.Range(0, count).Select(_ => (sbyte)random.Next(-128, 128)).ToArray(), shape),
            DataType.UInt8 => Tensor.FromArray(Enumerable.Range(0, count).Select(_ => (byte)random.Next(0, 256)).ToArray(), shape),
            DataType.Bool => Tensor.FromArray(Enumerable.Range(0, count).Select(_ => random.Next(2) == 1).ToArray(), shape),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no random generator for this type"),
        };
    }

    public static int[] RandomShape(Random random, int rank, int maxDim = 4) =>
        Enumerable.Range(0, rank).Select(_ => random.Next(1, maxDim + 1)).ToArray();

    public static Tensor Int64s(params long[] values) => Tensor.FromArray(values, values.Length);

    public static Dictionary<string, AttributeValue> Attributes(params (string Name, AttributeValue Value)[] attributes) =>
        attributes.ToDictionary(a => a.Name, a => a.Value);

    /// <summary>
    /// Declares <paramref name="outputs"/>, infers types, runs the graph in ONNX Runtime and in the reference
    /// executor, and asserts equal outputs; also asserts every inferred output dimension that is known matches
    /// the computed shape. Returns the inferred graph.
    /// </summary>
    public static Graph AssertMatchesOrt(GraphBuilder builder, string[] outputs, Dictionary<string, Tensor> feeds)
    {
        foreach (string output in outputs)
        {
            builder.Output(output);
        }

        var graph = ShapeInference.Infer(builder.Build(), "test graph");
        var expected = OrtOracle.Run(graph, feeds);
        var actual = ReferenceExecutor.Run(graph, feeds);
        foreach (var output in graph.Outputs)
        {
            Agreement.AssertClose(expected[output.Name], actual[output.Name], 0f, 0f, output.Name);
            var inferred = output.Type.Shape;
            Assert.NotNull(inferred);
            Assert.Equal(actual[output.Name].Rank, inferred.Count);
            for (int d = 0; d < inferred.Count; d++)
            {
                Assert.True(!inferred[d].IsKnown || inferred[d].Value == actual[output.Name].Shape[d],
                    $"{output.Name}: inferred {output.Type} but computed {actual[output.Name]}");
            }
        }

        return graph;
    }

    /// <summary>Every problem load-time validation and shape inference report for the graph.</summary>
    public static List<string> Problems(GraphBuilder builder, params string[] outputs)
    {
        foreach (string output in outputs)
        {
            builder.Output(output);
        }

        var graph = builder.Build();
        var problems = OpSet.Default.FindProblems(graph);
        return problems.Count > 0 ? problems : ShapeInference.TryInfer(graph).Problems;
    }

    /// <summary>The reference executor's error for running the graph on <paramref name="feeds"/>.</summary>
    public static string ExecutionError(GraphBuilder builder, string output, Dictionary<string, Tensor> feeds)
    {
        builder.Output(output);
        return Assert.Throws<EdgePruneException>(() => ReferenceExecutor.Run(builder.Build(), feeds)).Message;
    }
}
