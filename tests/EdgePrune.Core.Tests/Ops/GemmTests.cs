using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;

namespace EdgePrune.Core.Tests.Ops;

public class GemmTests
{
    [Theory]
    [InlineData(0, 0, 1.0f, 1.0f, true)]
    [InlineData(0, 1, 0.5f, 2.0f, true)]
    [InlineData(1, 0, 1.5f, -1.0f, true)]
    [InlineData(1, 1, 1.0f, 1.0f, false)]
    public void Gemm_matches_OnnxRuntime(int transA, int transB, float alpha, float beta, bool withC)
    {
        var random = new Random(transA * 8 + transB * 4 + (withC ? 1 : 0));
        int m = 3, k = 5, n = 4;
        var b = new GraphBuilder(opset: 13);
        var a = b.Input("a", DataType.Float, transA == 1 ? [k, m] : [m, k]);
        var w = b.Initializer("w", TestTensors.Uniform(random, transB == 1 ? [n, k] : [k, n]));
        var inputs = new List<string> { a, w };
        if (withC)
        {
            inputs.Add(b.Initializer("c", TestTensors.Uniform(random, [n])));
        }

        var y = b.Op("Gemm", [.. inputs], new Dictionary<string, AttributeValue>
        {
            ["transA"] = AttributeValue.Of((long)transA),
            ["transB"] = AttributeValue.Of((long)transB),
            ["alpha"] = AttributeValue.Of(alpha),
            ["beta"] = AttributeValue.Of(beta),
        });
        var r = b.Op("Relu", [y]);
        b.Output(r, TensorType.Of(DataType.Float, m, n));
        var graph = b.Build();

        var feeds = new Dictionary<string, Tensor> { ["a"] = TestTensors.Uniform(random, transA == 1 ? [k, m] : [m, k]) };
        var expected = OrtOracle.Run(graph, feeds)[r];
        var actual = ReferenceExecutor.Run(graph, feeds)[r];
        Agreement.AssertClose(expected, actual);
    }

    [Fact]
    public void Gemm_with_mismatched_inner_dimension_is_rejected_with_node_name()
    {
        var b = new GraphBuilder();
        var a = b.Input("a", DataType.Float, 2, 3);
        var w = b.Initializer("w", Tensor.Zeros(DataType.Float, 4, 5));
        var y = b.Op("Gemm", [a, w]);
        b.Output(y);
        var (_, problems) = Core.Ops.ShapeInference.TryInfer(b.Build());
        var problem = Assert.Single(problems);
        Assert.Contains("Gemm 'Gemm_0'", problem);
        Assert.Contains("inner dimensions differ", problem);
    }
}
