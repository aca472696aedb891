using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.SingleNode;

namespace EdgePrune.Core.Tests.Ops;

public class BatchNormalizationTests
{
    [Theory]
    [InlineData(7, new[] { 2, 3 })]
    [InlineData(8, new[] { 2, 4, 5, 6 })]
    [InlineData(9, new[] { 1, 5, 7 })]
    [InlineData(14, new[] { 2, 3, 4, 5 })]
    [InlineData(15, new[] { 1, 2, 3, 4, 5 })]
    public void BatchNormalization_matches_OnnxRuntime(int opset, int[] shape)
    {
        var random = new Random(opset);
        AssertMatchesOnnxRuntime("BatchNormalization", opset, Inputs(random, shape, [shape[1]]), Attrs(("epsilon", 1e-3f)));
    }

    [Fact]
    public void BatchNormalization_non_spatial_at_opset_7_matches_OnnxRuntime()
    {
        var random = new Random(70);
        AssertMatchesOnnxRuntime("BatchNormalization", 7, Inputs(random, [3, 2, 4], [2, 4]), Attrs(("spatial", 0)));
    }

    [Fact]
    public void BatchNormalization_in_training_mode_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(Problems("BatchNormalization", 14, Inputs(new Random(1), [1, 2, 3], [2]), Attrs(("training_mode", 1))));
        Assert.Contains("BatchNormalization 'BatchNormalization_0'", problem);
        Assert.Contains("training_mode=1", problem);
    }

    [Fact]
    public void BatchNormalization_with_running_statistics_outputs_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(Problems("BatchNormalization", 9, Inputs(new Random(1), [1, 2, 3], [2]), outputs: 3));
        Assert.Contains("BatchNormalization 'BatchNormalization_0'", problem);
        Assert.Contains("only in training", problem);
    }

    [Fact]
    public void BatchNormalization_with_spatial_at_opset_9_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(Problems("BatchNormalization", 9, Inputs(new Random(1), [1, 2, 3], [2]), Attrs(("spatial", 1))));
        Assert.Contains("BatchNormalization 'BatchNormalization_0'", problem);
        Assert.Contains("'spatial'", problem);
    }

    [Fact]
    public void BatchNormalization_with_wrong_parameter_length_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(InferenceProblems("BatchNormalization", 15, Inputs(new Random(1), [1, 2, 3], [3])));
        Assert.Contains("BatchNormalization 'BatchNormalization_0'", problem);
        Assert.Contains("one value per channel", problem);
    }

    private static NodeInput[] Inputs(Random random, int[] shape, int[] parameters) =>
    [
        NodeInput.Fed("x", TestTensors.Uniform(random, shape)),
        NodeInput.Const("scale", TestTensors.Uniform(random, parameters)),
        NodeInput.Const("bias", TestTensors.Uniform(random, parameters)),
        NodeInput.Const("mean", TestTensors.Uniform(random, parameters)),
        NodeInput.Const("var", TestTensors.Uniform(random, parameters, 0.1f, 2f)),
    ];
}
