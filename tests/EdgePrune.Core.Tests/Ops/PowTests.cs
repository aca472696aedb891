using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.MathOpsOracle;

namespace EdgePrune.Core.Tests.Ops;

public class PowTests
{
    [Theory]
    [InlineData(7)]
    [InlineData(13)]
    [InlineData(15)]
    public void Pow_float_matches_OnnxRuntime_on_random_broadcast_shapes(int opset)
    {
        var random = new Random(opset);
        for (int trial = 0; trial < 4; trial++)
        {
            var shape = RandomShape(random, 1, 4);

            // The exponent takes a random suffix of the base's shape with some dims set to 1, so both broadcast directions occur.
            var exponentShape = shape.Skip(random.Next(shape.Length + 1)).Select(d => random.Next(2) == 0 ? 1 : d).ToArray();
            var b = new GraphBuilder(opset);
            var x = b.Input("x", DataType.Float, Dims(shape));
            var e = b.Input("e", DataType.Float, Dims(exponentShape));
            b.Output(b.Op("Pow", [x, e]));
            AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor>
            {
                ["x"] = TestTensors.Uniform(random, shape, 0.01f, 10f),
                ["e"] = TestTensors.Uniform(random, exponentShape, -3f, 3f),
            });
        }
    }

    [Fact]
    public void Pow_of_negative_base_with_integral_exponents_matches_OnnxRuntime()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, 5, 1);
        var e = b.Input("e", DataType.Float, 1, 6);
        b.Output(b.Op("Pow", [x, e]));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.FromArray(new[] { -3f, -1.5f, -0.5f, 0f, 2f }, 5, 1),
            ["e"] = Tensor.FromArray(new[] { -2f, -1f, 0f, 1f, 2f, 3f }, 1, 6),
        });
    }

    [Fact]
    public void Pow_with_integer_exponent_and_integer_base_matches_OnnxRuntime()
    {
        var b = new GraphBuilder(15);
        var x = b.Input("x", DataType.Float, 2, 3);
        var e = b.Input("e", DataType.Int64, 3);
        var xi = b.Input("xi", DataType.Int64, 2, 3);
        var xi32 = b.Input("xi32", DataType.Int32, 2, 3);
        b.Output(b.Op("Pow", [x, e]));
        b.Output(b.Op("Pow", [xi, e]));
        b.Output(b.Op("Pow", [xi32, e]));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.FromArray(new[] { 1.5f, -2f, 0.25f, 3f, -0.5f, 10f }, 2, 3),
            ["e"] = Tensor.FromArray(new[] { 2L, 3L, 5L }, 3),
            ["xi"] = Tensor.FromArray(new[] { 2L, -3L, 4L, 7L, -1L, 10L }, 2, 3),
            ["xi32"] = Tensor.FromArray(new[] { 2, -3, 4, 7, -1, 10 }, 2, 3),
        });
    }

    [Fact]
    public void Pow_with_integer_exponent_before_opset_12_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(11);
        var x = b.Input("x", DataType.Float, 2);
        var e = b.Input("e", DataType.Int64, 2);
        b.Output(b.Op("Pow", [x, e]));
        AssertSingleProblem(b.Build(), "Pow_0", "before opset 12");
    }

    [Fact]
    public void Pow_with_incompatible_shapes_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, 2, 3);
        var e = b.Input("e", DataType.Float, 4);
        b.Output(b.Op("Pow", [x, e]));
        AssertSingleProblem(b.Build(), "Pow_0", "cannot be broadcast");
    }
}
