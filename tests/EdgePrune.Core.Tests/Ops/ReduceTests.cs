using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.MathOpsOracle;

namespace EdgePrune.Core.Tests.Ops;

public class ReduceTests
{
    /// <summary>Random shapes, random axis subsets (some written negative, some empty), keepdims 0 and 1.</summary>
    [Theory]
    [InlineData("ReduceSum", 11)]
    [InlineData("ReduceSum", 13)]
    [InlineData("ReduceMean", 13)]
    [InlineData("ReduceMean", 18)]
    [InlineData("ReduceMax", 13)]
    [InlineData("ReduceMax", 18)]
    public void Reduce_matches_OnnxRuntime_on_random_shapes_and_axes(string opType, int opset)
    {
        var random = new Random(opType.Length * 100 + opset);
        bool axesAsInput = opset >= (opType == "ReduceSum" ? 13 : 18);
        for (int trial = 0; trial < 8; trial++)
        {
            var shape = RandomShape(random, 1, 4);
            var axes = Enumerable.Range(0, shape.Length).Where(_ => random.Next(2) == 0)
                .Select(a => random.Next(2) == 0 ? (long)a - shape.Length : a).ToArray();
            long keepDims = trial % 2;
            var b = new GraphBuilder(opset);
            var x = b.Input("x", DataType.Float, Dims(shape));
            var attributes = Attributes(("keepdims", AttributeValue.Of(keepDims)));
            string[] inputs = [x];
            if (axesAsInput)
            {
                inputs = axes.Length == 0 && random.Next(2) == 0 ? [x] : [x, b.Initializer("axes", Tensor.FromArray(axes, axes.Length))];
            }
            else if (axes.Length > 0)
            {
                attributes["axes"] = AttributeValue.Of(axes);
            }

            b.Output(b.Op(opType, inputs, attributes));
            AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor> { ["x"] = TestTensors.Uniform(random, shape, -10f, 10f) });
        }
    }

    [Theory]
    [InlineData("ReduceSum", 13)]
    [InlineData("ReduceMean", 18)]
    [InlineData("ReduceMax", 18)]
    public void Reduce_with_noop_with_empty_axes_matches_OnnxRuntime(string opType, int opset)
    {
        var random = new Random(5);
        var b = new GraphBuilder(opset);
        var x = b.Input("x", DataType.Float, 3, 4, 2);
        var empty = b.Initializer("empty", Tensor.FromArray(Array.Empty<long>(), 0));
        var noop = Attributes(("noop_with_empty_axes", AttributeValue.Of(1L)), ("keepdims", AttributeValue.Of(0L)));
        b.Output(b.Op(opType, [x], noop));
        b.Output(b.Op(opType, [x, empty], noop));
        b.Output(b.Op(opType, [x, empty], Attributes(("noop_with_empty_axes", AttributeValue.Of(0L)))));
        b.Output(b.Op(opType, [x, b.Initializer("axis", Tensor.FromArray(new[] { -2L }, 1))], noop));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor> { ["x"] = TestTensors.Uniform(random, [3, 4, 2]) });
    }

    [Fact]
    public void Reduce_axes_fed_at_run_time_match_OnnxRuntime_and_keep_rank_with_keepdims()
    {
        var b = new GraphBuilder(18);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 4, 5);
        var axes = b.Input("axes", DataType.Int64, 2);
        var kept = b.Op("ReduceMean", [x, axes]);
        var dropped = b.Op("ReduceMax", [x, axes], Attributes(("keepdims", AttributeValue.Of(0L))));
        b.Output(kept);
        b.Output(dropped);
        var inferred = Core.Ops.ShapeInference.Infer(b.Build(), "test");
        Assert.Equal(3, inferred.ValueTypes[kept].Rank);
        Assert.Null(inferred.ValueTypes[dropped].Shape);
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor>
        {
            ["x"] = TestTensors.Uniform(new Random(2), [2, 4, 5]),
            ["axes"] = Tensor.FromArray(new[] { 0L, -1L }, 2),
        });
    }

    [Fact]
    public void Reduce_keeps_symbolic_dimensions_it_does_not_reduce()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 4, 5);
        b.Output(b.Op("ReduceSum", [x, b.Initializer("axes", Tensor.FromArray(new[] { 1L }, 1))], Attributes(("keepdims", AttributeValue.Of(0L)))));
        var inferred = Core.Ops.ShapeInference.Infer(b.Build(), "test");
        Assert.Equal("float[N, 5]", inferred.Outputs[0].Type.ToString());
    }

    [Fact]
    public void Integer_ReduceMax_and_ReduceSum_match_OnnxRuntime()
    {
        var random = new Random(9);
        var data = Enumerable.Range(0, 60).Select(_ => random.NextInt64(-1_000_000_000_000L, 1_000_000_000_000L)).ToArray();
        var data32 = Enumerable.Range(0, 60).Select(_ => random.Next(-1000, 1000)).ToArray();
        var b = new GraphBuilder(18);
        var x = b.Input("x", DataType.Int64, 3, 4, 5);
        var x32 = b.Input("x32", DataType.Int32, 3, 4, 5);
        var axes = b.Initializer("axes", Tensor.FromArray(new[] { 2L, 0L }, 2));
        b.Output(b.Op("ReduceMax", [x, axes]));
        b.Output(b.Op("ReduceMax", [x32]));
        b.Output(b.Op("ReduceSum", [x, axes], Attributes(("keepdims", AttributeValue.Of(0L)))));
        b.Output(b.Op("ReduceSum", [x32, axes]));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.FromArray(data, 3, 4, 5),
            ["x32"] = Tensor.FromArray(data32, 3, 4, 5),
        });
    }

    [Fact]
    public void ReduceMean_axes_attribute_at_opset_18_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(18);
        var x = b.Input("x", DataType.Float, 2, 3);
        b.Output(b.Op("ReduceMean", [x], Attributes(("axes", AttributeValue.Of(new[] { 1L })))));
        AssertSingleProblem(b.Build(), "ReduceMean_0", "second input");
    }

    [Fact]
    public void ReduceSum_axes_input_at_opset_11_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(11);
        var x = b.Input("x", DataType.Float, 2, 3);
        b.Output(b.Op("ReduceSum", [x, b.Initializer("axes", Tensor.FromArray(new[] { 1L }, 1))]));
        AssertSingleProblem(b.Build(), "ReduceSum_0", "attribute, not as a second input");
    }

    [Fact]
    public void Reduce_axis_out_of_range_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, 2, 3);
        b.Output(b.Op("ReduceMax", [x], Attributes(("axes", AttributeValue.Of(new[] { -3L })))));
        AssertSingleProblem(b.Build(), "ReduceMax_0", "axis -3 is out of range");
    }

    [Fact]
    public void Reduce_duplicate_axes_are_rejected_with_node_name()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, 2, 3);
        b.Output(b.Op("ReduceSum", [x, b.Initializer("axes", Tensor.FromArray(new[] { 1L, -1L }, 2))]));
        AssertSingleProblem(b.Build(), "ReduceSum_0", "more than once");
    }

    [Fact]
    public void ReduceMean_of_integers_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Int64, 2, 3);
        b.Output(b.Op("ReduceMean", [x]));
        AssertSingleProblem(b.Build(), "ReduceMean_0", "int64");
    }
}
