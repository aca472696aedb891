using EdgePrune.Core.Ir;
using EdgePrune.Core.Rewrites;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Rewrites.RewriteAssert;

namespace EdgePrune.Core.Tests.Rewrites;

public class RemoveUnusedNodesTests
{
    [Fact]
    public void Dead_branches_and_unread_initializers_are_dropped_and_outputs_match_OnnxRuntime()
    {
        var random = new Random(3);
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 3);
        var unusedInput = b.Input("unused", DataType.Float, 1);
        var w = b.Initializer("w", TestTensors.Uniform(random, [3, 4]));
        b.Initializer("orphan", TestTensors.Uniform(random, [5]));
        var deadWeights = b.Initializer("dead_weights", TestTensors.Uniform(random, [3]));
        var dead = b.Op("Add", [x, deadWeights]);
        b.Op("Relu", [dead]);
        var y = b.Op("Gemm", [x, w]);
        b.Output(y, Float(2, 4));
        var graph = b.Build();

        var rewritten = new RemoveUnusedNodes().Apply(graph);

        Assert.Equal(["Gemm"], OpTypes(rewritten));
        Assert.Equal(["w"], rewritten.Initializers.Keys);
        Assert.Contains(rewritten.Inputs, i => i.Name == unusedInput);
        var feeds = new Dictionary<string, Tensor> { [x] = TestTensors.Uniform(random, [2, 3]), [unusedInput] = Tensor.Zeros(DataType.Float, 1) };
        OutputsAgreeInOnnxRuntime(graph, rewritten, feeds);
    }

    [Fact]
    public void A_node_with_one_read_output_stays_and_a_clean_graph_is_returned_as_is()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 3);
        var outputs = b.Node("Dropout", [x], outputCount: 2);
        b.Output(outputs[0], Float(2, 3));
        var graph = b.Build();

        Assert.Same(graph, new RemoveUnusedNodes().Apply(graph));
    }
}
