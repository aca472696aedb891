using EdgePrune.Core.Execution;
using EdgePrune.Core.Onnx;
using EdgePrune.Core.Ops;
using EdgePrune.TestSupport;

namespace EdgePrune.Core.Tests;

/// <summary>Property test: random graphs over the op set agree with ONNX Runtime, after an export/import round trip.</summary>
public class RandomGraphTests
{
    public static IEnumerable<object[]> Seeds() => Enumerable.Range(0, 220).Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_graph_matches_OnnxRuntime_after_round_trip(int seed)
    {
        var (graph, inputs) = RandomGraphs.Create(seed);
        byte[] onnx = OnnxExporter.ToBytes(new Ir.Model { Graph = graph });
        var imported = OnnxImporter.Load(onnx, $"random_{seed}.onnx").Graph;

        var expected = OrtOracle.Run(onnx, inputs);
        var actual = ReferenceExecutor.Run(imported, inputs);
        var inferred = ShapeInference.Infer(imported, $"random_{seed}");
        foreach (var output in imported.Outputs)
        {
            Agreement.AssertClose(expected[output.Name], actual[output.Name], atol: 1e-4f, rtol: 1e-4f, what: $"seed {seed} {output.Name}");
            Assert.Equal(expected[output.Name].Shape.ToArray(), inferred.TypeOf(output.Name)!.ConcreteShape());
        }
    }
}
