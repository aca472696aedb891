using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.MathOpsOracle;

namespace EdgePrune.Core.Tests.Ops;

public class UnaryMathTests
{
    [Theory]
    [InlineData("Sqrt", 7, 0f, 1000f)]
    [InlineData("Sqrt", 13, 0f, 1e-3f)]
    [InlineData("Exp", 7, -80f, 80f)]
    [InlineData("Exp", 13, -1f, 1f)]
    [InlineData("Sigmoid", 7, -20f, 20f)]
    [InlineData("Sigmoid", 13, -3f, 3f)]
    [InlineData("Tanh", 7, -10f, 10f)]
    [InlineData("Tanh", 13, -1f, 1f)]
    [InlineData("Abs", 7, -100f, 100f)]
    [InlineData("Neg", 13, -100f, 100f)]
    [InlineData("LeakyRelu", 7, -10f, 10f)]
    [InlineData("LeakyRelu", 16, -10f, 10f)]
    [InlineData("HardSigmoid", 7, -6f, 6f)]
    [InlineData("HardSigmoid", 21, -6f, 6f)]
    [InlineData("HardSwish", 14, -8f, 8f)]
    public void Float_unary_op_matches_OnnxRuntime_on_random_shapes(string opType, int opset, float low, float high)
    {
        var random = new Random(opType.Length * 31 + opset);
        for (int trial = 0; trial < 3; trial++)
        {
            var shape = RandomShape(random, 0, 4);
            var b = new GraphBuilder(opset);
            var x = b.Input("x", DataType.Float, Dims(shape));
            var y = b.Op(opType, [x]);
            b.Output(y);
            AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor> { ["x"] = TestTensors.Uniform(random, shape, low, high) });
        }
    }

    [Theory]
    [InlineData("LeakyRelu", "alpha", 0.3f, null, 0f)]
    [InlineData("HardSigmoid", "alpha", 0.5f, "beta", 0.25f)]
    [InlineData("HardSigmoid", "beta", 0.6f, null, 0f)]
    public void Unary_op_attributes_match_OnnxRuntime(string opType, string name1, float value1, string? name2, float value2)
    {
        var random = new Random(7);
        var attributes = new Dictionary<string, AttributeValue> { [name1] = AttributeValue.Of(value1) };
        if (name2 is not null)
        {
            attributes[name2] = AttributeValue.Of(value2);
        }

        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, 4, 9);
        var y = b.Op(opType, [x], attributes);
        b.Output(y);
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor> { ["x"] = TestTensors.Uniform(random, [4, 9], -5f, 5f) });
    }

    [Fact]
    public void Log_matches_OnnxRuntime_over_sixty_decades_of_positive_inputs()
    {
        var random = new Random(3);
        var data = new float[200];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = MathF.Pow(10f, -30f + 60f * (float)random.NextDouble());
        }

        data[0] = float.Epsilon;
        data[1] = float.MaxValue;
        data[2] = 1f;
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, 200);
        b.Output(b.Op("Log", [x]));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(data, 200) });
    }

    [Fact]
    public void Exp_overflow_and_underflow_match_OnnxRuntime()
    {
        var data = new[] { -200f, -103f, -87.5f, 0f, 88f, 88.7f, 89f, 200f };
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, data.Length);
        b.Output(b.Op("Exp", [x]));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(data, data.Length) });
    }

    [Fact]
    public void Neg_and_Abs_on_integers_match_OnnxRuntime_including_wraparound()
    {
        var b = new GraphBuilder(13);
        var i32 = b.Input("i32", DataType.Int32, 6);
        var i64 = b.Input("i64", DataType.Int64, 6);
        var i8 = b.Input("i8", DataType.Int8, 6);
        var u8 = b.Input("u8", DataType.UInt8, 6);
        foreach (var input in new[] { i32, i64, i8 })
        {
            b.Output(b.Op("Neg", [input]));
            b.Output(b.Op("Abs", [input]));
        }

        b.Output(b.Op("Abs", [u8]));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor>
        {
            ["i32"] = Tensor.FromArray(new[] { int.MinValue, -5, 0, 7, int.MaxValue, -1 }, 6),
            ["i64"] = Tensor.FromArray(new[] { long.MinValue, -5L, 0L, 7L, long.MaxValue, -1L }, 6),
            ["i8"] = Tensor.FromArray(new sbyte[] { sbyte.MinValue, -5, 0, 7, sbyte.MaxValue, -1 }, 6),
            ["u8"] = Tensor.FromArray(new byte[] { 0, 1, 127, 128, 200, 255 }, 6),
        });
    }

    [Fact]
    public void Unary_op_keeps_symbolic_batch_dimension()
    {
        var b = new GraphBuilder(14);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 3);
        var y = b.Op("HardSwish", [b.Op("Exp", [x])]);
        b.Output(y);
        var graph = Core.Ops.ShapeInference.Infer(b.Build(), "test");
        Assert.Equal(new TensorType(DataType.Float, [Dim.Named("N"), Dim.Of(3)]).ToString(), graph.Outputs[0].Type.ToString());
    }

    [Fact]
    public void HardSwish_before_opset_14_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, 2);
        b.Output(b.Op("HardSwish", [x]));
        AssertSingleProblem(b.Build(), "HardSwish_0", "only from opset 14");
    }

    [Fact]
    public void Sqrt_of_integer_input_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Int64, 2);
        b.Output(b.Op("Sqrt", [x]));
        AssertSingleProblem(b.Build(), "Sqrt_0", "int64");
    }

    [Fact]
    public void Neg_of_bool_input_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Bool, 2);
        b.Output(b.Op("Neg", [x]));
        AssertSingleProblem(b.Build(), "Neg_0", "bool");
    }
}
