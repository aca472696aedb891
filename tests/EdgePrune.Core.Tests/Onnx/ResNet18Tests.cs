using System.Diagnostics;
using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Core.Ops;
using EdgePrune.TestSupport;
using Xunit.Abstractions;

namespace EdgePrune.Core.Tests.Onnx;

/// <summary>The real ResNet18 (CNTK export, opset 8), a graph nobody here wrote, against ONNX Runtime.</summary>
public class ResNet18Tests(ITestOutputHelper output)
{
    [Fact]
    public void ResNet18_imports_with_every_op_supported()
    {
        var model = OnnxImporter.Load(RealModels.ResNet18);
        Assert.NotEmpty(model.Graph.Nodes);
        Assert.Empty(OpSet.Default.FindProblems(model.Graph));
    }

    [Fact]
    public void ResNet18_reference_executor_matches_OnnxRuntime_on_a_random_image()
    {
        var model = OnnxImporter.Load(RealModels.ResNet18);
        var graph = model.Graph;
        var input = Assert.Single(graph.Inputs.Where(i => !graph.Initializers.ContainsKey(i.Name)));
        // The model expects a 224×224 image in 0–255 (it subtracts the channel means itself).
        var shape = input.Type.Shape!.Select(d => d.IsKnown ? (int)d.Value!.Value : 1).ToArray();
        var feeds = new Dictionary<string, Tensor> { [input.Name] = TestTensors.Uniform(new Random(18), shape, 0f, 255f) };

        var expected = OrtOracle.Run(File.ReadAllBytes(RealModels.ResNet18), feeds);
        var clock = Stopwatch.StartNew();
        var actual = ReferenceExecutor.Run(graph, feeds);
        output.WriteLine($"reference executor: {clock.ElapsedMilliseconds} ms for input {Tensor.FormatShape(shape)}");

        foreach (var graphOutput in graph.Outputs)
        {
            var e = expected[graphOutput.Name];
            var a = actual[graphOutput.Name];
            Assert.Equal(e.Shape.ToArray(), a.Shape.ToArray());
            var values = e.ToFloatArray();
            float range = values.Max() - values.Min();
            float diff = Agreement.MaxAbsDiff(e, a);
            output.WriteLine($"{graphOutput.Name}: max |diff| {diff:G3}, ORT output range {range:G4}");
            // 1e-4 of the output's range: float sums over 4608-term dot products in another order drift that much.
            Assert.True(diff <= 1e-4f * range, $"{graphOutput.Name}: max |diff| {diff:G3} exceeds 1e-4 × range {range:G4}");
        }
    }
}
