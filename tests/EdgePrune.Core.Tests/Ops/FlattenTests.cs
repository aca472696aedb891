using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.DataMovementOracle;

namespace EdgePrune.Core.Tests.Ops;

public class FlattenTests
{
    public static TheoryData<DataType> ElementTypes => Types;

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Flatten_matches_OnnxRuntime_on_every_axis_including_negative(DataType type)
    {
        var random = new Random(200 + (int)type);
        var shape = RandomShape(random, 4);
        for (int axis = -4; axis <= 4; axis++)
        {
            var b = new GraphBuilder(opset: 13);
            var x = b.Input("x", type, shape.Select(d => Dim.Of(d)).ToArray());
            var y = b.Op("Flatten", [x], Attributes(("axis", AttributeValue.Of((long)axis))));
            AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, type, shape) });
        }
    }

    [Fact]
    public void Flatten_opset_9_default_axis_matches_OnnxRuntime_and_keeps_the_batch_symbol()
    {
        var random = new Random(201);
        var b = new GraphBuilder(opset: 9);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 2, 3);
        var y = b.Op("Flatten", [x]);
        var graph = AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, DataType.Float, 4, 2, 3) });
        Assert.Equal("float[N, 6]", graph.Outputs[0].Type.ToString());
    }

    [Theory]
    [InlineData(13, 4)]
    [InlineData(13, -4)]
    [InlineData(9, -1)]
    public void Flatten_axis_out_of_range_is_rejected_naming_the_node(int opset, long axis)
    {
        var b = new GraphBuilder(opset);
        var x = b.Input("x", DataType.Float, 2, 3, 4);
        var y = b.Op("Flatten", [x], Attributes(("axis", AttributeValue.Of(axis))));
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Flatten 'Flatten_0'", problem);
        Assert.Contains($"axis {axis} is out of range", problem);
    }
}
