using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.DataMovementOracle;

namespace EdgePrune.Core.Tests.Ops;

public class SqueezeTests
{
    public static TheoryData<DataType> ElementTypes => Types;

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Squeeze_matches_OnnxRuntime_with_axes_as_attribute_and_as_input_including_negative(DataType type)
    {
        var random = new Random(400 + (int)type);
        for (int trial = 0; trial < 6; trial++)
        {
            var shape = RandomShape(random, random.Next(1, 6)).Select(d => random.Next(2) == 0 ? 1 : d).ToArray();
            var ones = Enumerable.Range(0, shape.Length).Where(i => shape[i] == 1).ToList();
            var axes = ones.Where(_ => random.Next(2) == 0).Select(i => random.Next(2) == 0 ? (long)i : i - shape.Length).ToArray();
            int opset = trial % 2 == 0 ? 11 : 13;
            var b = new GraphBuilder(opset);
            var x = b.Input("x", type, shape.Select(d => Dim.Of(d)).ToArray());
            var y = opset >= 13
                ? b.Op("Squeeze", [x, b.Initializer("axes", Int64s(axes))])
                : b.Op("Squeeze", [x], Attributes(("axes", AttributeValue.Of(axes))));
            AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, type, shape) });
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void Squeeze_without_axes_removes_every_1_as_OnnxRuntime_does(int opset)
    {
        var random = new Random(401);
        var b = new GraphBuilder(opset);
        var x = b.Input("x", DataType.Int64, 1, 3, 1, 2, 1);
        var y = b.Op("Squeeze", [x]);
        var graph = AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, DataType.Int64, 1, 3, 1, 2, 1) });
        Assert.Equal("int64[3, 2]", graph.Outputs[0].Type.ToString());
    }

    [Theory]
    [InlineData(1L, "cannot squeeze axis 1, its size is 3")]
    [InlineData(-4L, "axis -4 is out of range")]
    public void Squeeze_of_a_bad_axis_is_rejected_naming_the_node(long axis, string expected)
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 1, 3, 1);
        var y = b.Op("Squeeze", [x, b.Initializer("axes", Int64s(axis))]);
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Squeeze 'Squeeze_0'", problem);
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void Squeeze_axes_attribute_at_opset_13_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 1, 3);
        var y = b.Op("Squeeze", [x], Attributes(("axes", AttributeValue.Of(new long[] { 0 }))));
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Squeeze 'Squeeze_0'", problem);
        Assert.Contains("from opset 13 the axes are an input", problem);
    }
}
