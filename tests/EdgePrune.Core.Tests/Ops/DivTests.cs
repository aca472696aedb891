using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.SingleNode;

namespace EdgePrune.Core.Tests.Ops;

public class DivTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 12)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Div_matches_OnnxRuntime_on_random_broadcast_shapes(int seed)
    {
        var random = new Random(seed);
        var (a, b) = BinaryCases.Shapes(random);
        int opset = seed % 3 == 0 ? 7 : 14;
        AssertMatchesOnnxRuntime("Div", opset, [NodeInput.Fed("a", BinaryCases.Float(random, a, false)), NodeInput.Fed("b", BinaryCases.Float(random, b, true))]);
        AssertMatchesOnnxRuntime("Div", opset, [NodeInput.Fed("a", BinaryCases.Int64(random, a, false)), NodeInput.Fed("b", BinaryCases.Int64(random, b, true))]);
    }

    [Fact]
    public void Div_of_mixed_types_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(InferenceProblems("Div", 14, [NodeInput.Fed("a", Tensor.Zeros(DataType.Float, 2)), NodeInput.Fed("b", Tensor.Zeros(DataType.Int64, 2))]));
        Assert.Contains("Div 'Div_0'", problem);
        Assert.Contains("same type", problem);
    }

    [Fact]
    public void Div_of_int64_by_zero_is_an_error_naming_the_node()
    {
        var graph = Build("Div", 14, [NodeInput.Fed("a", Tensor.FromArray(new long[] { 7, -7 }, 2)), NodeInput.Const("b", Tensor.FromArray(new long[] { 2, 0 }, 2))]);
        var feeds = new Dictionary<string, Tensor> { ["a"] = Tensor.FromArray(new long[] { 7, -7 }, 2) };
        var error = Assert.Throws<EdgePruneException>(() => Core.Execution.ReferenceExecutor.Run(graph, feeds));
        Assert.Contains("Div 'Div_0'", error.Message);
        Assert.Contains("division by zero", error.Message);
    }
}
