using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.SingleNode;

namespace EdgePrune.Core.Tests.Ops;

public class MatMulTests
{
    public static TheoryData<int[], int[]> Shapes() => new()
    {
        { [5], [5] },
        { [4], [4, 3] },
        { [3, 4], [4] },
        { [3, 4], [4, 6] },
        { [2, 3, 4], [4, 5] },
        { [4], [2, 4, 5] },
        { [2, 1, 3, 4], [5, 4, 2] },
        { [1, 3, 4], [2, 1, 4, 7] },
        { [40, 70], [70, 90] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatMul_matches_OnnxRuntime_with_vectors_and_broadcast_batches(int[] a, int[] b)
    {
        var random = new Random(a.Sum() * 31 + b.Sum());
        AssertMatchesOnnxRuntime("MatMul", a.Length % 2 == 0 ? 9 : 13, [NodeInput.Fed("a", TestTensors.Uniform(random, a)), NodeInput.Const("b", TestTensors.Uniform(random, b))]);
    }

    [Fact]
    public void MatMul_keeps_a_symbolic_batch_dimension()
    {
        var builder = new GraphBuilder(13);
        var a = builder.Input("a", DataType.Float, Dim.Named("N"), 3, 4);
        var w = builder.Initializer("w", Tensor.Zeros(DataType.Float, 4, 5));
        var y = builder.Op("MatMul", [a, w]);
        builder.Output(y);
        var graph = Core.Ops.ShapeInference.Infer(builder.Build(), "test");
        Assert.Equal("float[N, 3, 5]", graph.Outputs[0].Type.ToString());
    }

    [Fact]
    public void MatMul_with_mismatched_inner_dimension_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(InferenceProblems("MatMul", 13, [NodeInput.Fed("a", Tensor.Zeros(DataType.Float, 2, 3)), NodeInput.Const("b", Tensor.Zeros(DataType.Float, 4, 5))]));
        Assert.Contains("MatMul 'MatMul_0'", problem);
        Assert.Contains("inner dimensions differ", problem);
    }

    [Fact]
    public void MatMul_with_unbroadcastable_batches_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(InferenceProblems("MatMul", 13, [NodeInput.Fed("a", Tensor.Zeros(DataType.Float, 2, 2, 3)), NodeInput.Const("b", Tensor.Zeros(DataType.Float, 3, 3, 4))]));
        Assert.Contains("MatMul 'MatMul_0'", problem);
        Assert.Contains("do not broadcast", problem);
    }
}
