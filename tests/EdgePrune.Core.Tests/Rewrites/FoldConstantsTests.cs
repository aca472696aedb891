using System.Collections.Immutable;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Rewrites;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Rewrites.RewriteAssert;

namespace EdgePrune.Core.Tests.Rewrites;

public class FoldConstantsTests
{
    [Fact]
    public void Folded_Gemm_Add_Relu_chain_matches_OnnxRuntime_on_the_original()
    {
        var random = new Random(1);
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 3, 4);
        var w1 = b.Initializer("w1", TestTensors.Uniform(random, [3, 5]));
        var w2 = b.Initializer("w2", TestTensors.Uniform(random, [5, 4]));
        var bias = b.Op("Constant", [], Attributes(("value", AttributeValue.Of(TestTensors.Uniform(random, [4])))));
        var product = b.Op("Gemm", [w1, w2]);
        var shifted = b.Op("Add", [product, bias]);
        var rectified = b.Op("Relu", [shifted]);
        var y = b.Op("Add", [x, rectified]);
        b.Output(y, Float(3, 4));
        var graph = b.Build();

        var folded = new FoldConstants().Apply(graph);

        Assert.Equal(["Add"], OpTypes(folded));
        Assert.Equal(folded.Nodes[0].Inputs[1], rectified);
        Assert.True(folded.Initializers.ContainsKey(rectified));
        OutputsAgreeInOnnxRuntime(graph, folded, new Dictionary<string, Tensor> { [x] = TestTensors.Uniform(random, [3, 4]) });
    }

    [Fact]
    public void Constant_nodes_become_initializers_including_one_that_is_a_graph_output()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 3);
        var c = b.Op("Constant", [], Attributes(("value_floats", AttributeValue.Of(1f, -2f, 3f))));
        var scalar = b.Op("Constant", [], Attributes(("value_float", AttributeValue.Of(0.5f))));
        var y = b.Op("Add", [x, c]);
        var z = b.Op("Add", [y, scalar]);
        b.Output(z, Float(3));
        b.Output(c, Float(3));
        var graph = b.Build();

        var folded = new FoldConstants().Apply(graph);

        Assert.Equal(["Add", "Add"], OpTypes(folded));
        Assert.Equal([1f, -2f, 3f], folded.Initializers[c].ToFloatArray());
        Assert.Equal(0, folded.Initializers[scalar].Rank);
        OutputsAgreeInOnnxRuntime(graph, folded, new Dictionary<string, Tensor> { [x] = Tensor.FromArray(new[] { 1f, 2f, 3f }, 3) });
    }

    [Fact]
    public void Nodes_reading_a_graph_input_or_a_random_op_stay()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2);
        var w = b.Initializer("w", Tensor.FromArray(new[] { 1f, 2f }, 2));
        var noise = b.Op("RandomUniformLike", [w]);
        var y = b.Op("Add", [x, noise]);
        b.Output(y, Float(2));
        var graph = b.Build();

        Assert.Same(graph, new FoldConstants().Apply(graph));
    }

    [Fact]
    public void An_initializer_that_is_also_a_graph_input_is_not_treated_as_constant()
    {
        // IR < 4 lets a caller override an initializer listed among the inputs.
        var graph = new Graph
        {
            Inputs = [new ValueInfo("w", Float(2))],
            Initializers = ImmutableDictionary<string, Tensor>.Empty.Add("w", Tensor.FromArray(new[] { 1f, 2f }, 2)),
            Nodes = [new Node { Name = "relu", OpType = "Relu", Inputs = ["w"], Outputs = ["y"] }],
            Outputs = [new ValueInfo("y", Float(2))],
        };

        Assert.Same(graph, new FoldConstants().Apply(graph));
    }

    [Fact]
    public void Nodes_without_a_reference_kernel_stay()
    {
        var b = new GraphBuilder(opset: 13);
        var w = b.Initializer("w", Tensor.FromArray(new[] { 1f, 2f }, 2));
        var y = b.Node("Frobnicate", [w], domain: "com.example")[0];
        b.Output(y, Float(2));
        var graph = b.Build() with { Opsets = ImmutableDictionary<string, int>.Empty.Add("", 13).Add("com.example", 1) };

        Assert.Same(graph, new FoldConstants().Apply(graph));
    }

    [Fact]
    public void Outputs_known_to_exceed_the_size_cap_are_not_folded()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 1);
        var rows = b.Initializer("rows", Tensor.Zeros(DataType.Float, 4097, 1));
        var cols = b.Initializer("cols", Tensor.Zeros(DataType.Float, 1, 4096));
        var big = b.Op("Add", [rows, cols]);
        var y = b.Op("Add", [x, big]);
        b.Output(y);
        var graph = b.Build() with
        {
            ValueTypes = ImmutableDictionary<string, TensorType>.Empty.Add(big, Float(4097, 4096)),
        };

        Assert.True(4097L * 4096 > FoldConstants.MaxFoldedElements);
        Assert.Same(graph, new FoldConstants().Apply(graph));
    }
}
