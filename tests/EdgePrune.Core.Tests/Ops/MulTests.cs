using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.SingleNode;

namespace EdgePrune.Core.Tests.Ops;

public class MulTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 12)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Mul_matches_OnnxRuntime_on_random_broadcast_shapes(int seed)
    {
        var random = new Random(seed);
        var (a, b) = BinaryCases.Shapes(random);
        int opset = seed % 3 == 0 ? 7 : 14;
        AssertMatchesOnnxRuntime("Mul", opset, [NodeInput.Fed("a", BinaryCases.Float(random, a, false)), NodeInput.Fed("b", BinaryCases.Float(random, b, false))]);
        AssertMatchesOnnxRuntime("Mul", opset, [NodeInput.Fed("a", BinaryCases.Int64(random, a, false)), NodeInput.Fed("b", BinaryCases.Int64(random, b, false))]);
    }

    [Fact]
    public void Mul_of_mixed_types_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(InferenceProblems("Mul", 14, [NodeInput.Fed("a", Tensor.Zeros(DataType.Float, 2)), NodeInput.Fed("b", Tensor.Zeros(DataType.Int64, 2))]));
        Assert.Contains("Mul 'Mul_0'", problem);
        Assert.Contains("same type", problem);
    }
}
