using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.SingleNode;

namespace EdgePrune.Core.Tests.Ops;

public class ConvTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Conv_matches_OnnxRuntime_on_random_shapes(int seed)
    {
        var random = new Random(seed);
        int spatialRank = seed % 10 == 9 ? 3 : 1 + seed % 2;
        int groupKind = random.Next(3);
        int channelsPerGroup = groupKind == 2 ? 1 : random.Next(1, 4);
        int group = groupKind switch { 0 => 1, 1 => 2, _ => random.Next(2, 5) };
        int filtersPerGroup = groupKind == 2 ? random.Next(1, 3) : random.Next(1, 5);
        string autoPad = new[] { "NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID" }[random.Next(5)];
        var kernel = Enumerable.Range(0, spatialRank).Select(_ => random.Next(1, 4)).ToArray();
        var strides = Enumerable.Range(0, spatialRank).Select(_ => random.Next(1, 4)).ToArray();
        // ONNX Runtime rejects dilations with SAME_* padding.
        var dilations = Enumerable.Range(0, spatialRank).Select(_ => autoPad.StartsWith("SAME") ? 1 : random.Next(1, 3)).ToArray();
        var pads = Enumerable.Range(0, 2 * spatialRank).Select(i => Math.Min(random.Next(0, 3), kernel[i % spatialRank] - 1)).ToArray();
        var size = Enumerable.Range(0, spatialRank).Select(i => (kernel[i] - 1) * dilations[i] + 1 + random.Next(0, spatialRank == 3 ? 4 : 9)).ToArray();

        var attributes = Attrs(("group", group), ("strides", strides), ("dilations", dilations), ("auto_pad", autoPad));
        if (autoPad == "NOTSET")
        {
            attributes["pads"] = AttributeValue.Of(pads.Select(p => (long)p).ToArray());
        }

        if (random.Next(2) == 0)
        {
            attributes["kernel_shape"] = AttributeValue.Of(kernel.Select(k => (long)k).ToArray());
        }

        var inputs = new List<NodeInput>
        {
            NodeInput.Fed("x", TestTensors.Uniform(random, [random.Next(1, 3), group * channelsPerGroup, .. size])),
            NodeInput.Const("w", TestTensors.Uniform(random, [group * filtersPerGroup, channelsPerGroup, .. kernel])),
        };
        if (random.Next(2) == 0)
        {
            inputs.Add(NodeInput.Const("b", TestTensors.Uniform(random, [group * filtersPerGroup])));
        }

        AssertMatchesOnnxRuntime("Conv", seed % 3 == 0 ? 7 : 11, inputs, attributes);
    }

    [Fact]
    public void Conv_with_large_channel_counts_matches_OnnxRuntime()
    {
        // Wide enough to cross the matrix product's row and column tiles.
        var random = new Random(7);
        var inputs = new[]
        {
            NodeInput.Fed("x", TestTensors.Uniform(random, [1, 40, 23, 29])),
            NodeInput.Const("w", TestTensors.Uniform(random, [37, 40, 3, 3])),
            NodeInput.Const("b", TestTensors.Uniform(random, [37])),
        };
        AssertMatchesOnnxRuntime("Conv", 11, inputs, Attrs(("pads", new[] { 1, 1, 1, 1 })));
    }

    [Fact]
    public void Conv_pointwise_matches_OnnxRuntime()
    {
        var random = new Random(3);
        var inputs = new[]
        {
            NodeInput.Fed("x", TestTensors.Uniform(random, [2, 8, 5, 6])),
            NodeInput.Const("w", TestTensors.Uniform(random, [4, 8, 1, 1])),
        };
        AssertMatchesOnnxRuntime("Conv", 11, inputs);
    }

    [Fact]
    public void Conv_keeps_symbolic_batch_and_counts_hand_computed_macs()
    {
        var builder = new GraphBuilder(11);
        var x = builder.Input("x", DataType.Float, Dim.Named("N"), 8, 15, Dim.Named("W"));
        var w = builder.Initializer("w", Tensor.Zeros(DataType.Float, 6, 4, 3, 3));
        var y = builder.Op("Conv", [x, w], Attrs(("group", 2), ("strides", new[] { 2, 1 }), ("pads", new[] { 1, 1, 1, 1 })));
        builder.Output(y);
        var graph = Core.Ops.ShapeInference.Infer(builder.Build(), "test");
        // Height: (15 + 2 − 3) / 2 + 1 = 8; the width is symbolic in, so unknown out.
        Assert.Equal("float[N, 6, 8, ?]", graph.Outputs[0].Type.ToString());

        var node = graph.Nodes[0];
        var concreteOutput = TensorType.Of(DataType.Float, 2, 6, 8, 10);
        long macs = Core.Ops.OpSet.Default.Get(node).CountMacs(node, [TensorType.Of(DataType.Float, 2, 8, 15, 10), graph.TypeOf(w)], [concreteOutput]);
        // Each of the 2·6·8·10 outputs takes (8 / 2 groups)·3·3 = 36 multiply-adds.
        Assert.Equal(2L * 6 * 8 * 10 * 36, macs);
    }

    [Fact]
    public void Conv_with_strides_not_matching_kernel_rank_is_rejected_at_load_naming_the_node()
    {
        var problem = Assert.Single(Problems("Conv", 11, Inputs(), Attrs(("kernel_shape", new[] { 3, 3 }), ("strides", new[] { 1, 1, 1 }))));
        Assert.Contains("Conv 'Conv_0'", problem);
        Assert.Contains("'strides'", problem);
    }

    [Fact]
    public void Conv_with_unknown_auto_pad_is_rejected_naming_the_node()
    {
        var problems = Problems("Conv", 11, Inputs(), Attrs(("auto_pad", "SAME")));
        var problem = Assert.Single(problems);
        Assert.Contains("Conv 'Conv_0'", problem);
        Assert.Contains("auto_pad \"SAME\"", problem);
    }

    [Fact]
    public void Conv_with_channels_not_matching_group_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(InferenceProblems("Conv", 11, Inputs(), Attrs(("group", 2))));
        Assert.Contains("Conv 'Conv_0'", problem);
        Assert.Contains("group 2", problem);
    }

    [Fact]
    public void Conv_with_wrong_kernel_shape_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(InferenceProblems("Conv", 11, Inputs(), Attrs(("kernel_shape", new[] { 2, 2 }))));
        Assert.Contains("Conv 'Conv_0'", problem);
        Assert.Contains("kernel_shape", problem);
    }

    private static NodeInput[] Inputs() =>
    [
        NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 1, 3, 5, 5)),
        NodeInput.Const("w", Tensor.Zeros(DataType.Float, 4, 3, 3, 3)),
    ];
}
