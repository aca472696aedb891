using System.Collections.Immutable;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Rewrites;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Rewrites.RewriteAssert;

namespace EdgePrune.Core.Tests.Rewrites;

public class FuseMatMulAddIntoGemmTests
{
    [Theory]
    [InlineData(new[] { 4 }, false)]
    [InlineData(new[] { 1, 4 }, true)]
    [InlineData(new[] { 3, 4 }, false)]
    [InlineData(new int[0], true)]
    public void MatMul_Add_becomes_Gemm_and_matches_OnnxRuntime_on_the_original(int[] biasShape, bool biasFirst)
    {
        var random = new Random(biasShape.Length * 2 + (biasFirst ? 1 : 0));
        var b = new GraphBuilder(opset: 13);
        var a = b.Input("a", DataType.Float, 3, 5);
        var product = b.Op("MatMul", [a, b.Initializer("w", TestTensors.Uniform(random, [5, 4]))]);
        var bias = b.Initializer("bias", TestTensors.Uniform(random, biasShape));
        var y = b.Op("Add", biasFirst ? [bias, product] : [product, bias]);
        b.Output(y, Float(3, 4));
        var graph = b.Build();

        var fused = new FuseMatMulAddIntoGemm().Apply(graph);

        Assert.Equal(["Gemm"], OpTypes(fused));
        Assert.Equal(["a", "w", "bias"], fused.Nodes[0].Inputs.ToArray());
        Assert.Equal(y, Assert.Single(fused.Nodes[0].Outputs));
        OutputsAgreeInOnnxRuntime(graph, fused, new Dictionary<string, Tensor> { [a] = TestTensors.Uniform(random, [3, 5]) });
    }

    [Fact]
    public void MatMul_on_an_intermediate_with_a_known_rank_and_symbolic_batch_fuses()
    {
        var random = new Random(31);
        var batch = Dim.Named("N");
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, batch, 5);
        var hidden = b.Op("Relu", [x]);
        var product = b.Op("MatMul", [hidden, b.Initializer("w", TestTensors.Uniform(random, [5, 4]))]);
        var y = b.Op("Add", [product, b.Initializer("bias", TestTensors.Uniform(random, [4]))]);
        b.Output(y, Float(batch, 4));
        var graph = b.Build() with { ValueTypes = ImmutableDictionary<string, TensorType>.Empty.Add(hidden, Float(batch, 5)) };

        var fused = new FuseMatMulAddIntoGemm().Apply(graph);

        Assert.Equal(["Relu", "Gemm"], OpTypes(fused));
        OutputsAgreeInOnnxRuntime(graph, fused, new Dictionary<string, Tensor> { [x] = TestTensors.Uniform(random, [6, 5]) });
    }

    [Fact]
    public void A_rank_3_A_does_not_fuse()
    {
        var b = new GraphBuilder(opset: 13);
        var a = b.Input("a", DataType.Float, 2, 3, 5);
        var product = b.Op("MatMul", [a, b.Initializer("w", Tensor.Zeros(DataType.Float, 5, 4))]);
        b.Output(b.Op("Add", [product, b.Initializer("bias", Tensor.Zeros(DataType.Float, 4))]));
        var graph = b.Build();

        Assert.Same(graph, new FuseMatMulAddIntoGemm().Apply(graph));
    }

    [Fact]
    public void A_of_unknown_rank_does_not_fuse()
    {
        var b = new GraphBuilder(opset: 13);
        var a = b.Input("a", DataType.Float, 3, 5);
        var hidden = b.Node("Frobnicate", [a], domain: "com.example")[0];
        var product = b.Op("MatMul", [hidden, b.Initializer("w", Tensor.Zeros(DataType.Float, 5, 4))]);
        b.Output(b.Op("Add", [product, b.Initializer("bias", Tensor.Zeros(DataType.Float, 4))]));
        var graph = b.Build();

        Assert.Same(graph, new FuseMatMulAddIntoGemm().Apply(graph));
    }

    [Fact]
    public void Weights_that_are_not_initializers_do_not_fuse()
    {
        var b = new GraphBuilder(opset: 13);
        var a = b.Input("a", DataType.Float, 3, 5);
        var w = b.Input("w", DataType.Float, 5, 4);
        var product = b.Op("MatMul", [a, w]);
        b.Output(b.Op("Add", [product, b.Initializer("bias", Tensor.Zeros(DataType.Float, 4))]));
        var graph = b.Build();

        Assert.Same(graph, new FuseMatMulAddIntoGemm().Apply(graph));
    }

    [Fact]
    public void A_product_with_another_reader_does_not_fuse()
    {
        var b = new GraphBuilder(opset: 13);
        var a = b.Input("a", DataType.Float, 3, 5);
        var product = b.Op("MatMul", [a, b.Initializer("w", Tensor.Zeros(DataType.Float, 5, 4))]);
        b.Output(b.Op("Add", [product, b.Initializer("bias", Tensor.Zeros(DataType.Float, 4))]));
        b.Output(b.Op("Relu", [product]));
        var graph = b.Build();

        Assert.Same(graph, new FuseMatMulAddIntoGemm().Apply(graph));
    }

    [Theory]
    [InlineData(new[] { 2, 1, 4 })] // raises the rank
    [InlineData(new[] { 3, 1 })] // needs M = 3, which the symbolic M does not promise
    public void Bias_shapes_Gemm_cannot_take_unchanged_do_not_fuse(int[] biasShape)
    {
        var b = new GraphBuilder(opset: 13);
        var a = b.Input("a", DataType.Float, Dim.Named("M"), 5);
        var product = b.Op("MatMul", [a, b.Initializer("w", Tensor.Zeros(DataType.Float, 5, 4))]);
        b.Output(b.Op("Add", [product, b.Initializer("bias", Tensor.Zeros(DataType.Float, biasShape))]));
        var graph = b.Build();

        Assert.Same(graph, new FuseMatMulAddIntoGemm().Apply(graph));
    }
}
