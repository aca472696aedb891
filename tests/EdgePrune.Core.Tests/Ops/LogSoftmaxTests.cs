using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.SingleNode;

namespace EdgePrune.Core.Tests.Ops;

public class LogSoftmaxTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 16)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void LogSoftmax_matches_OnnxRuntime_on_random_shapes_and_axes(int seed)
    {
        var random = new Random(seed);
        var shape = Enumerable.Range(0, random.Next(1, 5)).Select(_ => random.Next(1, 6)).ToArray();
        // Both opset forms: < 13 flattens the tail from 'axis' on, ≥ 13 normalizes along 'axis' only.
        int opset = new[] { 7, 11, 13, 21 }[seed % 4];
        var attributes = seed % 5 == 0 ? null : Attrs(("axis", random.Next(-shape.Length, shape.Length)));
        AssertMatchesOnnxRuntime("LogSoftmax", opset, [NodeInput.Fed("x", TestTensors.Uniform(random, shape, -20f, 20f))], attributes);
    }

    [Fact]
    public void LogSoftmax_with_axis_out_of_range_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(InferenceProblems("LogSoftmax", 13, [NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 2, 3))], Attrs(("axis", 2))));
        Assert.Contains("LogSoftmax 'LogSoftmax_0'", problem);
        Assert.Contains("axis 2 is out of range", problem);
    }
}
