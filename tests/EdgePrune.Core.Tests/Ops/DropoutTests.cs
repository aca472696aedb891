using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.DataMovementOracle;

namespace EdgePrune.Core.Tests.Ops;

public class DropoutTests
{
    [Theory]
    [InlineData(DataType.Float)]
    [InlineData(DataType.Double)]
    public void Dropout_opset_13_is_the_identity_with_an_all_true_mask_as_in_OnnxRuntime(DataType type)
    {
        var random = new Random(1400 + (int)type);
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", type, 2, 3);
        var ratio = b.Initializer("ratio", type == DataType.Float ? Tensor.Scalar(0.3f) : Tensor.FromArray(new[] { 0.3 }));
        var ys = b.Node("Dropout", [x, ratio, b.Initializer("training", Tensor.FromArray(new[] { false }))], 2);
        var graph = AssertMatchesOrt(b, ys, new() { ["x"] = Random(random, type, 2, 3) });
        Assert.Equal("bool[2, 3]", graph.Outputs[1].Type.ToString());
    }

    [Theory]
    [InlineData(7, DataType.Float)]
    [InlineData(10, DataType.Bool)]
    public void Dropout_before_opset_12_passes_data_like_OnnxRuntime_and_marks_every_element_kept(int opset, DataType maskType)
    {
        var random = new Random(1401);
        var b = new GraphBuilder(opset);
        var x = b.Input("x", DataType.Float, 4);
        var ys = b.Node("Dropout", [x], 2, Attributes(("ratio", AttributeValue.Of(0.5f))));
        b.Output(ys[0]);
        b.Output(ys[1]);
        var graph = Core.Ops.ShapeInference.Infer(b.Build(), "test");
        var feeds = new Dictionary<string, Tensor> { ["x"] = Random(random, DataType.Float, 4) };
        var actual = ReferenceExecutor.Run(graph, feeds);

        TestSupport.Agreement.AssertClose(TestSupport.OrtOracle.Run(graph, feeds)[ys[0]], actual[ys[0]], 0f, 0f);

        // ORT fills the mask of these opsets with zeros; the ONNX reference implementation and the mask's
        // meaning (true = kept) say ones, which is what EdgePrune returns.
        Assert.Equal(maskType, actual[ys[1]].DataType);
        Assert.All(actual[ys[1]].ToFloatArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Dropout_with_constant_training_mode_true_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 4);
        var y = b.Op("Dropout", [x, "", b.Initializer("training", Tensor.FromArray(new[] { true }))]);
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Dropout 'Dropout_0'", problem);
        Assert.Contains("inference mode only", problem);
    }

    [Fact]
    public void Dropout_ratio_input_before_opset_12_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 10);
        var x = b.Input("x", DataType.Float, 4);
        var y = b.Op("Dropout", [x, b.Initializer("ratio", Tensor.Scalar(0.5f))]);
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Dropout 'Dropout_0'", problem);
        Assert.Contains("only from opset 12", problem);
    }
}
