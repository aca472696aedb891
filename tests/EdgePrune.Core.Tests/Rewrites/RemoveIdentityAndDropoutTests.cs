using EdgePrune.Core.Ir;
using EdgePrune.Core.Rewrites;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Rewrites.RewriteAssert;

namespace EdgePrune.Core.Tests.Rewrites;

public class RemoveIdentityAndDropoutTests
{
    private static readonly Random Random = new(7);

    private static Dictionary<string, Tensor> Feeds(int n = 4) => new() { ["x"] = TestTensors.Uniform(Random, [2, n]) };

    [Fact]
    public void Identity_and_inference_Dropout_inside_the_graph_are_removed_and_outputs_match_OnnxRuntime()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 4);
        var ratio = b.Initializer("ratio", Tensor.Scalar(0.3f));
        var relu = b.Op("Relu", [x]);
        var same = b.Op("Identity", [relu]);
        var dropped = b.Node("Dropout", [same, ratio], outputCount: 2)[0];
        var y = b.Op("Add", [dropped, b.Initializer("c", TestTensors.Uniform(Random, [4]))]);
        b.Output(y, Float(2, 4));
        var graph = b.Build();

        var rewritten = new RemoveIdentityAndDropout().Apply(graph);

        Assert.Equal(["Relu", "Add"], OpTypes(rewritten));
        Assert.Equal(relu, rewritten.Nodes[1].Inputs[0]);
        OutputsAgreeInOnnxRuntime(graph, rewritten, Feeds());
    }

    [Fact]
    public void Identity_feeding_a_graph_output_renames_its_producer_and_keeps_the_output_name()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 4);
        var relu = b.Op("Relu", [x]);
        var y = b.Op("Identity", [relu]);
        var z = b.Op("Add", [relu, b.Initializer("c", TestTensors.Uniform(Random, [4]))]);
        b.Output(y, Float(2, 4));
        b.Output(z, Float(2, 4));
        var graph = b.Build();

        var rewritten = new RemoveIdentityAndDropout().Apply(graph);

        Assert.Equal(["Relu", "Add"], OpTypes(rewritten));
        Assert.Equal(y, Assert.Single(rewritten.Nodes[0].Outputs));
        Assert.Equal(y, rewritten.Nodes[1].Inputs[0]);
        OutputsAgreeInOnnxRuntime(graph, rewritten, Feeds());
    }

    [Fact]
    public void Two_Identities_of_one_value_into_two_graph_outputs_keep_one_Identity()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 4);
        var relu = b.Op("Relu", [x]);
        var y1 = b.Op("Identity", [relu]);
        var y2 = b.Op("Identity", [relu]);
        b.Output(y1, Float(2, 4));
        b.Output(y2, Float(2, 4));
        var graph = b.Build();

        var rewritten = new RemoveIdentityAndDropout().Apply(graph);

        Assert.Equal(["Relu", "Identity"], OpTypes(rewritten));
        OutputsAgreeInOnnxRuntime(graph, rewritten, Feeds());
    }

    [Fact]
    public void Identity_from_a_graph_input_to_a_graph_output_stays_and_such_a_Dropout_becomes_an_Identity()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 4);
        var y = b.Op("Identity", [x]);
        var z = b.Op("Dropout", [x]);
        b.Output(y, Float(2, 4));
        b.Output(z, Float(2, 4));
        var graph = b.Build();

        var rewritten = new RemoveIdentityAndDropout().Apply(graph);

        Assert.Equal(["Identity", "Identity"], OpTypes(rewritten));
        Assert.Same(rewritten, new RemoveIdentityAndDropout().Apply(rewritten));
        OutputsAgreeInOnnxRuntime(graph, rewritten, Feeds());
    }

    [Fact]
    public void Dropout_whose_mask_is_read_or_that_trains_stays()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 4);
        var outputs = b.Node("Dropout", [x], outputCount: 2);
        var training = b.Initializer("training", Tensor.FromArray(new[] { true }));
        var ratio = b.Initializer("ratio", Tensor.Scalar(0.5f));
        var trained = b.Op("Dropout", [outputs[0], ratio, training]);
        b.Output(trained, Float(2, 4));
        b.Output(outputs[1], new TensorType(DataType.Bool, [2, 4]));
        var graph = b.Build();

        Assert.Same(graph, new RemoveIdentityAndDropout().Apply(graph));
    }

    [Fact]
    public void Dropout_with_constant_false_training_mode_is_removed()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 4);
        var training = b.Initializer("training", Tensor.FromArray(new[] { false }));
        var ratio = b.Initializer("ratio", Tensor.Scalar(0.5f));
        var dropped = b.Op("Dropout", [x, ratio, training]);
        var y = b.Op("Relu", [dropped]);
        b.Output(y, Float(2, 4));
        var graph = b.Build();

        var rewritten = new RemoveIdentityAndDropout().Apply(graph);

        Assert.Equal(["Relu"], OpTypes(rewritten));
        OutputsAgreeInOnnxRuntime(graph, rewritten, Feeds());
    }
}
