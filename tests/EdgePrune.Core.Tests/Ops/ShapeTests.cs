using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;
using static EdgePrune.Core.Tests.Ops.DataMovementOracle;

namespace EdgePrune.Core.Tests.Ops;

public class ShapeTests
{
    public static TheoryData<DataType> ElementTypes => Types;

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Shape_matches_OnnxRuntime_with_and_without_start_and_end(DataType type)
    {
        var random = new Random(1000 + (int)type);
        for (int trial = 0; trial < 6; trial++)
        {
            var shape = RandomShape(random, random.Next(0, 5));
            int opset = trial == 0 ? 13 : 15;
            var attributes = new Dictionary<string, AttributeValue>();
            if (opset >= 15 && random.Next(3) > 0)
            {
                attributes["start"] = AttributeValue.Of((long)random.Next(-6, 7));
            }

            if (opset >= 15 && random.Next(3) > 0)
            {
                attributes["end"] = AttributeValue.Of((long)random.Next(-6, 7));
            }

            var b = new GraphBuilder(opset);
            var x = b.Input("x", type, shape.Select(d => Dim.Of(d)).ToArray());
            var y = b.Op("Shape", [x], attributes);
            AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, type, shape) });
        }
    }

    [Fact]
    public void Shape_of_the_known_part_of_a_symbolic_input_folds_to_a_constant()
    {
        var b = new GraphBuilder(opset: 15);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 3, 4);
        var tail = b.Op("Shape", [x], Attributes(("start", AttributeValue.Of(1L))));
        var reshaped = b.Op("Reshape", [x, b.Op("Concat", [b.Initializer("minus_one", Int64s(-1)), tail], Attributes(("axis", AttributeValue.Of(0L))))]);
        b.Output(reshaped);
        var graph = ShapeInference.Infer(b.Build(), "test");
        Assert.Equal("float[N, 3, 4]", graph.Outputs[0].Type.ToString());
    }

    [Fact]
    public void Shape_start_before_opset_15_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2);
        var y = b.Op("Shape", [x], Attributes(("start", AttributeValue.Of(1L))));
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Shape 'Shape_0'", problem);
        Assert.Contains("only from opset 15", problem);
    }
}
