using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.SingleNode;

namespace EdgePrune.Core.Tests.Ops;

public class MaxPoolTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MaxPool_matches_OnnxRuntime_on_random_shapes(int seed)
    {
        var (x, attributes) = PoolingCases.Random(seed, dilations: true);
        AssertMatchesOnnxRuntime("MaxPool", seed % 2 == 0 ? 12 : 10, [NodeInput.Fed("x", x)], attributes);
    }

    [Fact]
    public void MaxPool_at_opset_8_with_storage_order_matches_OnnxRuntime()
    {
        var x = TestTensors.Uniform(new Random(8), [1, 2, 7, 6]);
        AssertMatchesOnnxRuntime("MaxPool", 8, [NodeInput.Fed("x", x)], Attrs(("kernel_shape", new[] { 3, 2 }), ("strides", new[] { 2, 2 }), ("pads", new[] { 1, 0, 1, 1 }), ("storage_order", 1)));
    }

    [Fact]
    public void MaxPool_with_indices_output_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(Problems("MaxPool", 12, [NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 1, 1, 4, 4))], Attrs(("kernel_shape", new[] { 2, 2 })), outputs: 2));
        Assert.Contains("MaxPool 'MaxPool_0'", problem);
        Assert.Contains("Indices", problem);
    }

    [Fact]
    public void MaxPool_with_ceil_mode_before_opset_10_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(Problems("MaxPool", 8, [NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 1, 1, 4, 4))], Attrs(("kernel_shape", new[] { 2, 2 }), ("ceil_mode", 1))));
        Assert.Contains("MaxPool 'MaxPool_0'", problem);
        Assert.Contains("ceil_mode", problem);
    }

    [Fact]
    public void MaxPool_without_kernel_shape_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(Problems("MaxPool", 12, [NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 1, 1, 4, 4))]));
        Assert.Contains("MaxPool 'MaxPool_0'", problem);
        Assert.Contains("kernel_shape", problem);
    }
}
