using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.SingleNode;

namespace EdgePrune.Core.Tests.Ops;

public class ResizeTests
{
    private static readonly string[] Transforms = ["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel", "tf_half_pixel_for_nn"];
    private static readonly string[] NearestModes = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"];
    private static readonly float[] Scales = [0.5f, 0.6f, 0.75f, 1f, 1.5f, 2f, 2.5f, 3f];

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 48)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Resize_matches_OnnxRuntime_on_random_scales_sizes_and_modes(int seed)
    {
        var random = new Random(seed);
        string mode = seed % 2 == 0 ? "nearest" : "linear";
        // ONNX Runtime's linear kernel resizes only the two innermost axes, so N and C keep their size.
        var x = TestTensors.Uniform(random, [random.Next(1, 3), random.Next(1, 3), random.Next(1, 7), random.Next(1, 7)]);
        var spatialScales = new[] { Scales[random.Next(Scales.Length)], Scales[random.Next(Scales.Length)] };
        int opset = new[] { 11, 13, 18, 19, 21 }[seed / 2 % 5];
        var attributes = Attrs(("mode", mode), ("coordinate_transformation_mode", Transforms[seed / 2 % Transforms.Length]));
        if (mode == "nearest")
        {
            attributes["nearest_mode"] = AttributeValue.Of(NearestModes[seed / 4 % NearestModes.Length]);
        }

        bool bySizes = seed % 3 == 0;
        bool withAxes = opset >= 18 && seed % 4 == 1;
        var inputs = new List<NodeInput> { NodeInput.Fed("x", x) };
        inputs.Add(opset < 13 ? NodeInput.Const("roi", Tensor.FromArray(Array.Empty<float>(), 0)) : NodeInput.Omitted);
        float[] scales = withAxes ? spatialScales : [1f, 1f, .. spatialScales];
        if (withAxes)
        {
            attributes["axes"] = AttributeValue.Of(-2L, -1L);
        }

        if (bySizes)
        {
            var sizes = scales.Select((s, i) => (long)Math.Max(1, Math.Round(s * x.Shape[x.Rank - scales.Length + i]))).ToArray();
            inputs.Add(opset < 13 ? NodeInput.Const("scales", Tensor.FromArray(Array.Empty<float>(), 0)) : NodeInput.Omitted);
            inputs.Add(NodeInput.Const("sizes", Tensor.FromArray(sizes, sizes.Length)));
        }
        else
        {
            inputs.Add(NodeInput.Const("scales", Tensor.FromArray(scales, scales.Length)));
        }

        AssertMatchesOnnxRuntime("Resize", opset, inputs, attributes);
    }

    [Theory]
    [InlineData("nearest", 2f, 3f)]
    [InlineData("nearest", 0.5f, 0.75f)]
    [InlineData("linear", 2f, 1.5f)]
    [InlineData("linear", 0.5f, 2f)]
    public void Resize_at_opset_10_matches_OnnxRuntime(string mode, float scaleH, float scaleW)
    {
        var x = TestTensors.Uniform(new Random(10), [1, 2, 5, 4]);
        var scales = new[] { 1f, 1f, scaleH, scaleW };
        AssertMatchesOnnxRuntime("Resize", 10, [NodeInput.Fed("x", x), NodeInput.Const("scales", Tensor.FromArray(scales, 4))], Attrs(("mode", mode)));
    }

    [Theory]
    [InlineData("mode", "cubic")]
    [InlineData("coordinate_transformation_mode", "tf_crop_and_resize")]
    [InlineData("nearest_mode", "round_half_even")]
    public void Resize_with_unsupported_attribute_value_is_rejected_naming_the_node(string attribute, string value)
    {
        var inputs = new[] { NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 1, 1, 2, 2)), NodeInput.Omitted, NodeInput.Const("scales", Tensor.FromArray(new[] { 1f, 1f, 2f, 2f }, 4)) };
        var problem = Assert.Single(Problems("Resize", 13, inputs, Attrs((attribute, value))));
        Assert.Contains("Resize 'Resize_0'", problem);
        Assert.Contains($"\"{value}\"", problem);
    }

    [Fact]
    public void Resize_at_opset_10_with_opset_11_attribute_is_rejected_naming_the_node()
    {
        var inputs = new[] { NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 1, 1, 2, 2)), NodeInput.Const("scales", Tensor.FromArray(new[] { 1f, 1f, 2f, 2f }, 4)) };
        var problem = Assert.Single(Problems("Resize", 10, inputs, Attrs(("nearest_mode", "floor"))));
        Assert.Contains("Resize 'Resize_0'", problem);
        Assert.Contains("only from opset 11", problem);
    }

    [Fact]
    public void Resize_at_opset_11_without_roi_is_rejected_as_OnnxRuntime_does()
    {
        var inputs = new[] { NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 1, 1, 2, 2)), NodeInput.Omitted, NodeInput.Const("scales", Tensor.FromArray(new[] { 1f, 1f, 2f, 2f }, 4)) };
        var problem = Assert.Single(Problems("Resize", 11, inputs));
        Assert.Contains("Resize 'Resize_0'", problem);
        Assert.Contains("input roi is required at opset 11", problem);
    }
}
