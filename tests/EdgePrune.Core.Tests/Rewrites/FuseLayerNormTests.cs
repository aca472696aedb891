using System.Collections.Immutable;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Rewrites;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Rewrites.RewriteAssert;

namespace EdgePrune.Core.Tests.Rewrites;

/// <summary>
/// ONNX Runtime's LayerNormalization kernel sums in another order than the decomposed graph, so fused and
/// original outputs (of order 1) are compared with atol 1e-5, rtol 1e-4.
/// </summary>
public class FuseLayerNormTests
{
    private sealed record Form(bool ConstantNodes = false, bool AxesAsInput = false, long Axis = -1, bool Affine = true, float Exponent = 2f, int[]? GammaShape = null);

    /// <summary>The ten nodes PyTorch's exporter writes for nn.LayerNorm(d) below opset 17.</summary>
    private static string DecomposedLayerNorm(GraphBuilder b, Random random, string x, int d, Form form)
    {
        string Constant(string name, Tensor value) => form.ConstantNodes
            ? b.Op("Constant", [], Attributes(("value", AttributeValue.Of(value))))
            : b.Initializer($"{x}_{name}", value);

        string Mean(string input, string what) => form.AxesAsInput
            ? b.Op("ReduceMean", [input, Constant(what + "_axes", Tensor.FromArray(new[] { form.Axis }, 1))])
            : b.Op("ReduceMean", [input], Attributes(("axes", AttributeValue.Of(new[] { form.Axis }))));

        var mean = Mean(x, "mean");
        var diff = b.Op("Sub", [x, mean]);
        var squared = b.Op("Pow", [diff, Constant("two", Tensor.Scalar(form.Exponent))]);
        var variance = Mean(squared, "variance");
        var shifted = b.Op("Add", [variance, Constant("epsilon", Tensor.Scalar(1e-5f))]);
        var deviation = b.Op("Sqrt", [shifted]);
        var normalized = b.Op("Div", [diff, deviation]);
        if (!form.Affine)
        {
            return normalized;
        }

        var scaled = b.Op("Mul", [normalized, Constant("gamma", TestTensors.Uniform(random, form.GammaShape ?? [d], 0.5f, 1.5f))]);
        return b.Op("Add", [Constant("beta", TestTensors.Uniform(random, [d])), scaled]);
    }

    [Fact]
    public void PyTorch_style_MLP_at_opset_13_fuses_and_matches_OnnxRuntime_on_the_original()
    {
        var random = new Random(21);
        var batch = Dim.Named("N");
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, batch, 16);
        var transB = Attributes(("transB", AttributeValue.Of(1L)));
        var hidden = b.Op("Gemm", [x, b.Initializer("fc1.weight", TestTensors.Uniform(random, [32, 16])), b.Initializer("fc1.bias", TestTensors.Uniform(random, [32]))], transB);
        var normalized = DecomposedLayerNorm(b, random, hidden, 32, new Form());
        var activated = b.Op("Relu", [normalized]);
        var y = b.Op("Gemm", [activated, b.Initializer("fc2.weight", TestTensors.Uniform(random, [10, 32])), b.Initializer("fc2.bias", TestTensors.Uniform(random, [10]))], transB);
        b.Output(y, Float(batch, 10));

        // PyTorch's exporter writes the inferred types of intermediates as value_info.
        var graph = b.Build() with { ValueTypes = ImmutableDictionary<string, TensorType>.Empty.Add(hidden, Float(batch, 32)) };

        var fused = new RemoveUnusedNodes().Apply(new FuseLayerNorm().Apply(graph));

        Assert.Equal(["Gemm", "LayerNormalization", "Relu", "Gemm"], OpTypes(fused));
        Assert.Equal(17, fused.Opset);
        Assert.Equal(13, graph.Opset);
        var layerNorm = fused.Nodes[1];
        Assert.Equal(-1, layerNorm.GetInt("axis", 0));
        Assert.Equal(1e-5f, layerNorm.GetFloat("epsilon", 0));
        Assert.Equal(3, layerNorm.Inputs.Length);
        OutputsAgreeInOnnxRuntime(graph, fused, new Dictionary<string, Tensor> { [x] = TestTensors.Uniform(random, [5, 16], -3f, 3f) });
    }

    public static TheoryData<int, bool, bool, long, bool> Forms => new()
    {
        { 13, true, false, -1, true },
        { 18, false, true, -1, true },
        { 18, true, true, 2, true },
        { 13, false, false, 2, false },
        { 17, false, false, -1, true },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void Every_exported_spelling_fuses_and_matches_OnnxRuntime_on_the_original(int opset, bool constantNodes, bool axesAsInput, long axis, bool affine)
    {
        var random = new Random(opset * 31 + (constantNodes ? 1 : 0) + (axesAsInput ? 2 : 0) + (int)axis * 4 + (affine ? 8 : 0));
        var b = new GraphBuilder(opset);
        var x = b.Input("x", DataType.Float, 2, 3, 8);
        var y = DecomposedLayerNorm(b, random, x, 8, new Form(constantNodes, axesAsInput, axis, affine));
        b.Output(y, Float(2, 3, 8));
        var graph = b.Build();

        var fused = new RemoveUnusedNodes().Apply(new FuseLayerNorm().Apply(graph));

        Assert.Equal(["LayerNormalization"], OpTypes(fused));
        Assert.Equal(Math.Max(17, opset), fused.Opset);
        OutputsAgreeInOnnxRuntime(graph, fused, new Dictionary<string, Tensor> { [x] = TestTensors.Uniform(random, [2, 3, 8], -2f, 2f) });
    }

    [Fact]
    public void A_scale_that_is_not_per_last_axis_element_stays_a_Mul_after_the_fused_LayerNormalization()
    {
        var random = new Random(22);
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 2, 3, 8);
        var y = DecomposedLayerNorm(b, random, x, 8, new Form(GammaShape: [3, 1]));
        b.Output(y, Float(2, 3, 8));
        var graph = b.Build();

        var fused = new RemoveUnusedNodes().Apply(new FuseLayerNorm().Apply(graph));

        Assert.Equal(["LayerNormalization", "Mul", "Add"], OpTypes(fused));
        OutputsAgreeInOnnxRuntime(graph, fused, new Dictionary<string, Tensor> { [x] = TestTensors.Uniform(random, [2, 3, 8]) });
    }

    [Theory]
    [InlineData("Sub")]
    [InlineData("ReduceMean")]
    [InlineData("Sqrt")]
    [InlineData("Div")]
    public void An_intermediate_with_another_reader_prevents_fusion(string readOpType)
    {
        var random = new Random(23);
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 2, 8);
        var y = DecomposedLayerNorm(b, random, x, 8, new Form());
        var graph = b.Build();
        var intermediate = graph.Nodes.First(n => n.OpType == readOpType).Outputs[0];
        b.Output(y, Float(2, 8));
        b.Output(b.Op("Relu", [intermediate]));
        graph = b.Build();

        var fused = new FuseLayerNorm().Apply(graph);

        // A second reader of the Div output only ends the fusion there (Mul and Add stay); one of an earlier value blocks it.
        if (readOpType == "Div")
        {
            Assert.Equal(["LayerNormalization", "Mul", "Add", "Relu"], OpTypes(new RemoveUnusedNodes().Apply(fused)));
        }
        else
        {
            Assert.Same(graph, fused);
        }
    }

    [Fact]
    public void A_cube_instead_of_a_square_does_not_fuse()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 2, 8);
        b.Output(DecomposedLayerNorm(b, new Random(24), x, 8, new Form(Exponent: 3f)), Float(2, 8));
        var graph = b.Build();

        Assert.Same(graph, new FuseLayerNorm().Apply(graph));
    }

    [Fact]
    public void Opset_12_is_not_raised_so_nothing_fuses()
    {
        var b = new GraphBuilder(opset: 12);
        var x = b.Input("x", DataType.Float, 2, 8);
        b.Output(DecomposedLayerNorm(b, new Random(25), x, 8, new Form()), Float(2, 8));
        var graph = b.Build();

        Assert.Same(graph, new FuseLayerNorm().Apply(graph));
    }

    [Fact]
    public void An_unknown_normalized_size_does_not_fuse()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 2, Dim.Named("D"));
        b.Output(DecomposedLayerNorm(b, new Random(26), x, 8, new Form()), Float(2, 8));
        var graph = b.Build();

        Assert.Same(graph, new FuseLayerNorm().Apply(graph));
    }
}
