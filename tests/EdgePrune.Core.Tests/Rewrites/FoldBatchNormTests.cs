using EdgePrune.Core.Ir;
using EdgePrune.Core.Rewrites;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Rewrites.RewriteAssert;

namespace EdgePrune.Core.Tests.Rewrites;

/// <summary>
/// Folding changes float rounding (weights are rescaled before, not after, the accumulation), so outputs are
/// compared with atol 1e-5, rtol 1e-4 on values of order 1.
/// </summary>
public class FoldBatchNormTests
{
    /// <summary>Adds a BatchNormalization with random statistics (variance in [0.5, 1.5]) reading <paramref name="x"/>.</summary>
    private static string BatchNorm(GraphBuilder b, Random random, string x, int channels, float epsilon = 1e-5f)
    {
        var scale = b.Initializer($"{x}_gamma", TestTensors.Uniform(random, [channels], 0.5f, 1.5f));
        var bias = b.Initializer($"{x}_beta", TestTensors.Uniform(random, [channels]));
        var mean = b.Initializer($"{x}_mean", TestTensors.Uniform(random, [channels]));
        var variance = b.Initializer($"{x}_var", TestTensors.Uniform(random, [channels], 0.5f, 1.5f));
        return b.Op("BatchNormalization", [x, scale, bias, mean, variance], Attributes(("epsilon", AttributeValue.Of(epsilon))));
    }

    [Theory]
    [InlineData(4, 6, 1, true)]
    [InlineData(6, 6, 6, false)] // depthwise
    [InlineData(4, 8, 2, true)]
    public void Conv_BatchNorm_folds_and_matches_OnnxRuntime_on_the_original(int inChannels, int outChannels, int group, bool withBias)
    {
        var random = new Random(inChannels * 100 + outChannels * 10 + group);
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, inChannels, 7, 7);
        var inputs = new List<string> { x, b.Initializer("w", TestTensors.Uniform(random, [outChannels, inChannels / group, 3, 3])) };
        if (withBias)
        {
            inputs.Add(b.Initializer("b", TestTensors.Uniform(random, [outChannels])));
        }

        var conv = b.Op("Conv", [.. inputs], Attributes(("group", AttributeValue.Of((long)group)), ("pads", AttributeValue.Of(new long[] { 1, 1, 1, 1 }))));
        var bn = BatchNorm(b, random, conv, outChannels, epsilon: 1e-3f);
        var y = b.Op("Relu", [bn]);
        b.Output(y, Float(2, outChannels, 7, 7));
        var graph = b.Build();

        var folded = new FoldBatchNorm().Apply(graph);

        Assert.Equal(["Conv", "Relu"], OpTypes(folded));
        Assert.Equal(group, folded.Nodes[0].GetInt("group", 1));
        OutputsAgreeInOnnxRuntime(graph, folded, new Dictionary<string, Tensor> { [x] = TestTensors.Uniform(random, [2, inChannels, 7, 7]) });
    }

    [Theory]
    [InlineData(0, false, 1f, 1f)]
    [InlineData(1, true, 0.5f, 2f)]
    [InlineData(0, true, 1.5f, -1f)]
    public void Gemm_BatchNorm_folds_and_matches_OnnxRuntime_on_the_original(int transB, bool withC, float alpha, float beta)
    {
        var random = new Random(transB * 10 + (withC ? 1 : 0));
        int m = 3, k = 5, n = 4;
        var b = new GraphBuilder(opset: 13);
        var a = b.Input("a", DataType.Float, m, k);
        var inputs = new List<string> { a, b.Initializer("w", TestTensors.Uniform(random, transB == 1 ? [n, k] : [k, n])) };
        if (withC)
        {
            inputs.Add(b.Initializer("c", TestTensors.Uniform(random, [1, n])));
        }

        var gemm = b.Op("Gemm", [.. inputs], Attributes(
            ("transB", AttributeValue.Of((long)transB)), ("alpha", AttributeValue.Of(alpha)), ("beta", AttributeValue.Of(beta))));
        var y = BatchNorm(b, random, gemm, n);
        b.Output(y, Float(m, n));
        var graph = b.Build();

        var folded = new FoldBatchNorm().Apply(graph);

        Assert.Equal(["Gemm"], OpTypes(folded));
        Assert.Equal(y, Assert.Single(folded.Nodes[0].Outputs));
        OutputsAgreeInOnnxRuntime(graph, folded, new Dictionary<string, Tensor> { [a] = TestTensors.Uniform(random, [m, k]) });
    }

    [Fact]
    public void Two_Convs_sharing_weights_each_get_their_own_folded_weights()
    {
        var random = new Random(11);
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 1, 3, 5, 5);
        var w = b.Initializer("w", TestTensors.Uniform(random, [3, 3, 1, 1]));
        var first = BatchNorm(b, random, b.Op("Conv", [x, w]), 3);
        var second = BatchNorm(b, random, b.Op("Conv", [first, w]), 3);
        b.Output(second, Float(1, 3, 5, 5));
        var graph = b.Build();

        var folded = new RemoveUnusedNodes().Apply(new FoldBatchNorm().Apply(graph));

        Assert.Equal(["Conv", "Conv"], OpTypes(folded));
        Assert.NotEqual(folded.Nodes[0].Inputs[1], folded.Nodes[1].Inputs[1]);
        Assert.DoesNotContain("w", folded.Initializers.Keys);
        OutputsAgreeInOnnxRuntime(graph, folded, new Dictionary<string, Tensor> { [x] = TestTensors.Uniform(random, [1, 3, 5, 5]) });
    }

    [Fact]
    public void BatchNorm_stays_when_the_Conv_output_has_another_reader()
    {
        var random = new Random(12);
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 1, 2, 4, 4);
        var conv = b.Op("Conv", [x, b.Initializer("w", TestTensors.Uniform(random, [2, 2, 3, 3]))]);
        var bn = BatchNorm(b, random, conv, 2);
        var y = b.Op("Add", [bn, conv]);
        b.Output(y);
        var graph = b.Build();

        Assert.Same(graph, new FoldBatchNorm().Apply(graph));
    }

    [Fact]
    public void BatchNorm_stays_when_the_Conv_weights_are_not_initializers()
    {
        var random = new Random(13);
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 1, 2, 4, 4);
        var w = b.Input("w", DataType.Float, 2, 2, 3, 3);
        var y = BatchNorm(b, random, b.Op("Conv", [x, w]), 2);
        b.Output(y);
        var graph = b.Build();

        Assert.Same(graph, new FoldBatchNorm().Apply(graph));
    }

    [Fact]
    public void Standalone_BatchNorm_and_one_after_another_op_stay()
    {
        var random = new Random(14);
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 1, 2, 4, 4);
        var first = BatchNorm(b, random, x, 2);
        var y = BatchNorm(b, random, b.Op("Relu", [first]), 2);
        b.Output(y);
        var graph = b.Build();

        Assert.Same(graph, new FoldBatchNorm().Apply(graph));
    }

    [Fact]
    public void BatchNorm_after_a_Gemm_whose_C_varies_per_row_stays()
    {
        var random = new Random(15);
        var b = new GraphBuilder(opset: 13);
        var a = b.Input("a", DataType.Float, 3, 5);
        var gemm = b.Op("Gemm", [a, b.Initializer("w", TestTensors.Uniform(random, [5, 4])), b.Initializer("c", TestTensors.Uniform(random, [3, 1]))]);
        var y = BatchNorm(b, random, gemm, 4);
        b.Output(y);
        var graph = b.Build();

        Assert.Same(graph, new FoldBatchNorm().Apply(graph));
    }
}
