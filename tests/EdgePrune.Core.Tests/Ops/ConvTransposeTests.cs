using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.SingleNode;

namespace EdgePrune.Core.Tests.Ops;

public class ConvTransposeTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ConvTranspose_matches_OnnxRuntime_on_random_shapes(int seed)
    {
        var random = new Random(seed);
        int spatialRank = seed % 10 == 9 ? 3 : 1 + seed % 2;
        int group = random.Next(3) == 0 ? random.Next(2, 4) : 1;
        int channelsPerGroup = random.Next(1, 4);
        int filtersPerGroup = random.Next(1, 4);
        // Cycle through the ways the output size is set: pads, output_shape, SAME_*, VALID.
        int sizing = seed % 5;
        string autoPad = sizing switch { 2 => "SAME_UPPER", 3 => "SAME_LOWER", 4 => "VALID", _ => "NOTSET" };
        var kernel = Enumerable.Range(0, spatialRank).Select(_ => random.Next(1, 4)).ToArray();
        var strides = Enumerable.Range(0, spatialRank).Select(_ => random.Next(1, 4)).ToArray();
        var dilations = Enumerable.Range(0, spatialRank).Select(_ => autoPad.StartsWith("SAME") ? 1 : random.Next(1, 3)).ToArray();
        // ONNX allows output_padding < max(stride, dilation); ONNX Runtime only < stride.
        var outputPadding = Enumerable.Range(0, spatialRank).Select(i => random.Next(0, strides[i])).ToArray();
        var pads = Enumerable.Range(0, 2 * spatialRank).Select(i => random.Next(0, kernel[i % spatialRank])).ToArray();
        var size = Enumerable.Range(0, spatialRank).Select(_ => random.Next(1, spatialRank == 3 ? 4 : 7)).ToArray();

        var attributes = Attrs(("group", group), ("strides", strides), ("dilations", dilations), ("auto_pad", autoPad));
        switch (sizing)
        {
            case 0:
                attributes["pads"] = AttributeValue.Of(pads.Select(p => (long)p).ToArray());
                attributes["output_padding"] = AttributeValue.Of(outputPadding.Select(p => (long)p).ToArray());
                break;
            case 1:
                // A requested size at most the full (unpadded) extent, so the derived pads are non-negative.
                var full = Enumerable.Range(0, spatialRank).Select(i => strides[i] * (size[i] - 1) + (kernel[i] - 1) * dilations[i] + 1).ToArray();
                attributes["output_shape"] = AttributeValue.Of(full.Select(f => (long)Math.Max(1, f - random.Next(0, 3))).ToArray());
                break;
        }

        if (random.Next(2) == 0)
        {
            attributes["kernel_shape"] = AttributeValue.Of(kernel.Select(k => (long)k).ToArray());
        }

        var inputs = new List<NodeInput>
        {
            NodeInput.Fed("x", TestTensors.Uniform(random, [random.Next(1, 3), group * channelsPerGroup, .. size])),
            NodeInput.Const("w", TestTensors.Uniform(random, [group * channelsPerGroup, filtersPerGroup, .. kernel])),
        };
        if (random.Next(2) == 0)
        {
            inputs.Add(NodeInput.Const("b", TestTensors.Uniform(random, [group * filtersPerGroup])));
        }

        AssertMatchesOnnxRuntime("ConvTranspose", seed % 3 == 0 ? 7 : 11, inputs, attributes);
    }

    [Fact]
    public void ConvTranspose_with_negative_output_padding_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(Problems("ConvTranspose", 11, Inputs(), Attrs(("output_padding", new[] { -1, 0 }))));
        Assert.Contains("ConvTranspose 'ConvTranspose_0'", problem);
        Assert.Contains("output_padding", problem);
    }

    [Fact]
    public void ConvTranspose_with_weights_for_other_channel_count_is_rejected_naming_the_node()
    {
        var inputs = new[] { NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 1, 3, 4, 4)), NodeInput.Const("w", Tensor.Zeros(DataType.Float, 2, 2, 3, 3)) };
        var problem = Assert.Single(InferenceProblems("ConvTranspose", 11, inputs));
        Assert.Contains("ConvTranspose 'ConvTranspose_0'", problem);
        Assert.Contains("channels", problem);
    }

    private static NodeInput[] Inputs() =>
    [
        NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 1, 2, 4, 4)),
        NodeInput.Const("w", Tensor.Zeros(DataType.Float, 2, 3, 3, 3)),
    ];
}
