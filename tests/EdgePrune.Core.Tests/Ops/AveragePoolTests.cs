using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.SingleNode;

namespace EdgePrune.Core.Tests.Ops;

public class AveragePoolTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void AveragePool_matches_OnnxRuntime_on_random_shapes(int seed)
    {
        bool dilations = seed % 4 == 3;
        var (x, attributes) = PoolingCases.Random(seed, dilations);
        attributes["count_include_pad"] = AttributeValue.Of((long)(seed / 2 % 2));
        AssertMatchesOnnxRuntime("AveragePool", dilations ? 19 : seed % 2 == 0 ? 11 : 10, [NodeInput.Fed("x", x)], attributes);
    }

    [Fact]
    public void AveragePool_at_opset_7_matches_OnnxRuntime()
    {
        var (x, attributes) = PoolingCases.Random(100, dilations: false);
        attributes.Remove("ceil_mode");
        attributes["count_include_pad"] = AttributeValue.Of(1L);
        AssertMatchesOnnxRuntime("AveragePool", 7, [NodeInput.Fed("x", x)], attributes);
    }

    [Fact]
    public void AveragePool_with_dilations_before_opset_19_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(Problems("AveragePool", 11, [NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 1, 1, 4, 4))], Attrs(("kernel_shape", new[] { 2, 2 }), ("dilations", new[] { 2, 2 }))));
        Assert.Contains("AveragePool 'AveragePool_0'", problem);
        Assert.Contains("dilations", problem);
    }

    [Fact]
    public void AveragePool_with_wrong_pads_length_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(Problems("AveragePool", 11, [NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 1, 1, 4, 4))], Attrs(("kernel_shape", new[] { 2, 2 }), ("pads", new[] { 1, 1 }))));
        Assert.Contains("AveragePool 'AveragePool_0'", problem);
        Assert.Contains("'pads'", problem);
    }
}
