using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.MathOpsOracle;

namespace EdgePrune.Core.Tests.Ops;

public class ClipTests
{
    [Theory]
    [InlineData(6, -0.5f, 0.75f)]
    [InlineData(7, -0.5f, null)]
    [InlineData(10, null, 0.25f)]
    [InlineData(10, null, null)]
    public void Clip_with_attribute_bounds_matches_OnnxRuntime(int opset, float? min, float? max)
    {
        var random = new Random(opset);
        var attributes = new Dictionary<string, AttributeValue>();
        if (min is { } lo)
        {
            attributes["min"] = AttributeValue.Of(lo);
        }

        if (max is { } hi)
        {
            attributes["max"] = AttributeValue.Of(hi);
        }

        var shape = RandomShape(random, 1, 4);
        var b = new GraphBuilder(opset);
        var x = b.Input("x", DataType.Float, Dims(shape));
        b.Output(b.Op("Clip", [x], attributes));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor> { ["x"] = TestTensors.Uniform(random, shape, -1e3f, 1e3f) });
    }

    [Theory]
    [InlineData(11, -0.5f, 0.75f)]
    [InlineData(12, -0.5f, null)]
    [InlineData(13, null, 0.25f)]
    [InlineData(13, null, null)]
    [InlineData(21, 0.5f, -0.5f)]
    public void Clip_with_input_bounds_matches_OnnxRuntime(int opset, float? min, float? max)
    {
        var random = new Random(opset);
        var shape = RandomShape(random, 0, 4);
        var b = new GraphBuilder(opset);
        var x = b.Input("x", DataType.Float, Dims(shape));
        string minName = min is { } lo ? b.Initializer("min", Tensor.FromArray(new[] { lo })) : "";
        string maxName = max is { } hi ? b.Initializer("max", Tensor.FromArray(new[] { hi })) : "";
        string[] inputs = max is null ? (min is null ? [x] : [x, minName]) : [x, minName, maxName];
        b.Output(b.Op("Clip", inputs));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor> { ["x"] = TestTensors.Uniform(random, shape, -2f, 2f) });
    }

    [Fact]
    public void Clip_with_bounds_fed_at_run_time_and_integer_input_matches_OnnxRuntime()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 4);
        var min = b.Input("min", DataType.Float);
        var xi = b.Input("xi", DataType.Int64, 6);
        var maxi = b.Initializer("maxi", Tensor.FromArray(new[] { 3L }, 1));
        b.Output(b.Op("Clip", [x, min]));
        b.Output(b.Op("Clip", [xi, "", maxi]));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor>
        {
            ["x"] = TestTensors.Uniform(new Random(1), [3, 4], -1f, 1f),
            ["min"] = Tensor.FromArray(new[] { 0.1f }),
            ["xi"] = Tensor.FromArray(new[] { long.MinValue, -5L, 0L, 3L, 4L, long.MaxValue }, 6),
        });
    }

    [Fact]
    public void Clip_min_attribute_at_opset_11_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(11);
        var x = b.Input("x", DataType.Float, 2);
        b.Output(b.Op("Clip", [x], Attributes(("min", AttributeValue.Of(0f)))));
        AssertSingleProblem(b.Build(), "Clip_0", "attribute 'min' belongs to opsets before 11");
    }

    [Fact]
    public void Clip_attribute_min_above_max_is_rejected_with_node_name_as_OnnxRuntime_does()
    {
        var b = new GraphBuilder(10);
        var x = b.Input("x", DataType.Float, 2);
        b.Output(b.Op("Clip", [x], Attributes(("min", AttributeValue.Of(0.5f)), ("max", AttributeValue.Of(-0.5f)))));
        AssertSingleProblem(b.Build(), "Clip_0", "greater than max");
    }

    [Fact]
    public void Clip_bound_inputs_at_opset_10_are_rejected_with_node_name()
    {
        var b = new GraphBuilder(10);
        var x = b.Input("x", DataType.Float, 2);
        var min = b.Initializer("min", Tensor.Scalar(0f));
        b.Output(b.Op("Clip", [x, min]));
        AssertSingleProblem(b.Build(), "Clip_0", "before opset 11");
    }

    [Fact]
    public void Clip_with_vector_bound_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, 2);
        var min = b.Initializer("min", Tensor.FromArray(new[] { 0f, 1f }, 2));
        b.Output(b.Op("Clip", [x, min]));
        AssertSingleProblem(b.Build(), "Clip_0", "must be a scalar");
    }

    [Fact]
    public void Clip_with_bound_of_other_type_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, 2);
        var max = b.Initializer("max", Tensor.Scalar(1L));
        b.Output(b.Op("Clip", [x, "", max]));
        AssertSingleProblem(b.Build(), "Clip_0", "same type");
    }
}
