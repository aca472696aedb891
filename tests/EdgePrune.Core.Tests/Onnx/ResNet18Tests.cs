using System.Diagnostics;
using EdgePrune.Core.Execution;
using EdgePrune.Core.Inspection;
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
    public void ResNet18_shapes_and_multiply_accumulates_match_a_hand_count()
    {
        var graph = ShapeInference.Infer(OnnxImporter.Load(RealModels.ResNet18).Graph, "ResNet18.onnx");
        // The featurizer ends at the global average pool: 512 features per image (He et al. 2016, Table 1).
        var features = Assert.Single(graph.Outputs).Type;
        Assert.Equal(512, features.Shape![1].Value);
        Assert.Equal(1L, features.Shape.Skip(2).Aggregate(1L, (p, d) => p * d.Value!.Value));

        long convolutionMacs = 0;
        foreach (var node in graph.Nodes.Where(n => n.OpType == "Conv"))
        {
            var inputs = node.Inputs.Select(graph.TypeOf).ToArray();
            var outputs = node.Outputs.Select(o => graph.TypeOf(o)!).ToArray();
            convolutionMacs += OpSet.Default.Get(node).CountMacs(node, inputs, outputs);
        }

        // Hand count, output elements × weights per output. Stage by stage as in He et al. 2016, Table 1 (1.8·10⁹
        // for the paper's ResNet18), except that this CNTK export has 22 convolutions: its last stage carries
        // two more 3×3 512→512 convolutions than the paper's.
        static long Conv(int channelsOut, int size, int channelsIn, int kernel) => (long)channelsOut * size * size * channelsIn * kernel * kernel;
        long expected = Conv(64, 112, 3, 7)
            + 4 * Conv(64, 56, 64, 3)
            + Conv(128, 28, 64, 3) + 3 * Conv(128, 28, 128, 3) + Conv(128, 28, 64, 1)
            + Conv(256, 14, 128, 3) + 3 * Conv(256, 14, 256, 3) + Conv(256, 14, 128, 1)
            + Conv(512, 7, 256, 3) + 5 * Conv(512, 7, 512, 3) + Conv(512, 7, 256, 1);
        Assert.Equal(22, graph.Nodes.Count(n => n.OpType == "Conv"));
        Assert.Equal(expected, convolutionMacs);
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

    [Fact]
    public void ResNet18_round_trips_through_export_with_OnnxRuntime_giving_the_same_outputs()
    {
        byte[] original = File.ReadAllBytes(RealModels.ResNet18);
        var model = OnnxImporter.Load(original, "ResNet18.onnx");
        byte[] exported = OnnxExporter.ToBytes(model);
        var reimported = OnnxImporter.Load(exported, "exported.onnx");
        Assert.Equal(model.Graph.Nodes.Select(n => n.OpType), reimported.Graph.Nodes.Select(n => n.OpType));

        var input = Assert.Single(model.Graph.Inputs.Where(i => !model.Graph.Initializers.ContainsKey(i.Name)));
        var shape = input.Type.Shape!.Select(d => d.IsKnown ? (int)d.Value!.Value : 1).ToArray();
        var feeds = new Dictionary<string, Tensor> { [input.Name] = TestTensors.Uniform(new Random(224), shape, 0f, 255f) };
        var fromOriginal = OrtOracle.Run(original, feeds);
        var fromExported = OrtOracle.Run(exported, feeds);

        foreach (var graphOutput in model.Graph.Outputs)
        {
            // Same graph, same weights, same runtime: the export must not change a single bit.
            Assert.Equal(fromOriginal[graphOutput.Name].ToFloatArray(), fromExported[graphOutput.Name].ToFloatArray());
        }
    }

    [Fact]
    public void ResNet18_inspection_counts_parameters_and_multiply_accumulates_like_a_hand_count()
    {
        var report = ModelInspector.Inspect(OnnxImporter.Load(RealModels.ResNet18), "ResNet18.onnx");

        // The 22 convolutions of this export (see the MAC test above) have no biases; each is followed by a
        // BatchNormalization with four vectors (scale, bias, mean, variance) of its output channels.
        (int Out, int In, int Kernel)[] convolutions =
        [
            (64, 3, 7), (64, 64, 3), (64, 64, 3), (64, 64, 3), (64, 64, 3),
            (128, 64, 3), (128, 128, 3), (128, 128, 3), (128, 128, 3), (128, 64, 1),
            (256, 128, 3), (256, 256, 3), (256, 256, 3), (256, 256, 3), (256, 128, 1),
            (512, 256, 3), (512, 512, 3), (512, 512, 3), (512, 512, 3), (512, 512, 3), (512, 512, 3), (512, 256, 1),
        ];
        long weights = convolutions.Sum(c => (long)c.Out * c.In * c.Kernel * c.Kernel);
        long batchNorm = convolutions.Sum(c => 4L * c.Out);
        Assert.Equal(15_885_504 + 23_296, weights + batchNorm);
        Assert.Equal(weights + batchNorm, report.TotalParameters);
        Assert.Equal(4 * report.TotalParameters, report.TotalWeightBytes);

        // Convolutions dominate; BatchNorm, pooling and the residual adds add 0.13 % on top.
        const long convolutionMacs = 2_044_772_352;
        Assert.InRange(report.TotalMacs, convolutionMacs, (long)(convolutionMacs * 1.002));
    }
}
