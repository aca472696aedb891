using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.SingleNode;

namespace EdgePrune.Core.Tests.Ops;

public class GlobalMaxPoolTests
{
    [Theory]
    [InlineData(7, new[] { 2, 3, 5 })]
    [InlineData(13, new[] { 1, 4, 6, 7 })]
    [InlineData(21, new[] { 2, 2, 3, 4, 5 })]
    public void GlobalMaxPool_matches_OnnxRuntime(int opset, int[] shape)
    {
        AssertMatchesOnnxRuntime("GlobalMaxPool", opset, [NodeInput.Fed("x", TestTensors.Uniform(new Random(opset), shape))]);
    }

    [Fact]
    public void GlobalMaxPool_of_int64_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(InferenceProblems("GlobalMaxPool", 13, [NodeInput.Fed("x", Tensor.Zeros(DataType.Int64, 1, 2, 3))]));
        Assert.Contains("GlobalMaxPool 'GlobalMaxPool_0'", problem);
        Assert.Contains("int64", problem);
    }
}
