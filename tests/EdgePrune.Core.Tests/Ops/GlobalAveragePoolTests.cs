using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.SingleNode;

namespace EdgePrune.Core.Tests.Ops;

public class GlobalAveragePoolTests
{
    [Theory]
    [InlineData(7, new[] { 2, 3, 5 })]
    [InlineData(13, new[] { 1, 4, 6, 7 })]
    [InlineData(21, new[] { 2, 2, 3, 4, 5 })]
    public void GlobalAveragePool_matches_OnnxRuntime(int opset, int[] shape)
    {
        AssertMatchesOnnxRuntime("GlobalAveragePool", opset, [NodeInput.Fed("x", TestTensors.Uniform(new Random(opset), shape))]);
    }

    [Fact]
    public void GlobalAveragePool_of_a_matrix_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(InferenceProblems("GlobalAveragePool", 13, [NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 2, 3))]));
        Assert.Contains("GlobalAveragePool 'GlobalAveragePool_0'", problem);
        Assert.Contains("spatial axis", problem);
    }
}
