using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.SingleNode;

namespace EdgePrune.Core.Tests.Ops;

public class LayerNormalizationTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 16)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void LayerNormalization_matches_OnnxRuntime_on_random_shapes_and_axes(int seed)
    {
        var random = new Random(seed);
        var shape = Enumerable.Range(0, random.Next(1, 5)).Select(_ => random.Next(1, 7)).ToArray();
        int axis = random.Next(-shape.Length, shape.Length);
        int first = axis < 0 ? axis + shape.Length : axis;
        var normalized = shape[first..];
        // Scale and B may be given for trailing axes only, or with 1s, and broadcast to X.shape[axis:].
        int[] Parameter() => normalized.Skip(random.Next(normalized.Length)).Select(d => random.Next(3) == 0 ? 1 : d).ToArray();
        var inputs = new List<NodeInput>
        {
            NodeInput.Fed("x", TestTensors.Uniform(random, shape, -3f, 5f)),
            NodeInput.Const("scale", TestTensors.Uniform(random, Parameter())),
        };
        if (random.Next(2) == 0)
        {
            inputs.Add(NodeInput.Const("b", TestTensors.Uniform(random, Parameter())));
        }

        var attributes = Attrs(("axis", axis), ("epsilon", seed % 2 == 0 ? 1e-5f : 1e-3f));
        AssertMatchesOnnxRuntime("LayerNormalization", seed % 3 == 0 ? 21 : 17, inputs, attributes, outputs: seed % 2 == 0 ? 3 : 1);
    }

    [Fact]
    public void LayerNormalization_before_opset_17_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(Problems("LayerNormalization", 16, Inputs()));
        Assert.Contains("LayerNormalization 'LayerNormalization_0'", problem);
        Assert.Contains("only from opset 17", problem);
    }

    [Fact]
    public void LayerNormalization_with_double_stash_type_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(Problems("LayerNormalization", 17, Inputs(), Attrs(("stash_type", 11))));
        Assert.Contains("LayerNormalization 'LayerNormalization_0'", problem);
        Assert.Contains("stash_type 11", problem);
    }

    [Fact]
    public void LayerNormalization_with_mismatched_scale_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(InferenceProblems("LayerNormalization", 17, [NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 2, 3)), NodeInput.Const("scale", Tensor.Zeros(DataType.Float, 4))]));
        Assert.Contains("LayerNormalization 'LayerNormalization_0'", problem);
        Assert.Contains("does not broadcast", problem);
    }

    private static NodeInput[] Inputs() =>
    [
        NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 2, 3)),
        NodeInput.Const("scale", Tensor.Zeros(DataType.Float, 3)),
    ];
}
