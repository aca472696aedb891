using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.DataMovementOracle;

namespace EdgePrune.Core.Tests.Ops;

public class UnsqueezeTests
{
    public static TheoryData<DataType> ElementTypes => Types;

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Unsqueeze_matches_OnnxRuntime_with_axes_as_attribute_and_as_input_including_negative(DataType type)
    {
        var random = new Random(500 + (int)type);
        for (int trial = 0; trial < 6; trial++)
        {
            var shape = RandomShape(random, random.Next(0, 4));
            int added = random.Next(1, 3);
            int outRank = shape.Length + added;
            var axes = Enumerable.Range(0, outRank).OrderBy(_ => random.Next()).Take(added)
                .Select(a => random.Next(2) == 0 ? (long)a : a - outRank).ToArray();
            int opset = trial % 2 == 0 ? 11 : 13;
            var b = new GraphBuilder(opset);
            var x = b.Input("x", type, shape.Select(d => Dim.Of(d)).ToArray());
            var y = opset >= 13
                ? b.Op("Unsqueeze", [x, b.Initializer("axes", Int64s(axes))])
                : b.Op("Unsqueeze", [x], Attributes(("axes", AttributeValue.Of(axes))));
            AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, type, shape) });
        }
    }

    [Theory]
    [InlineData(new long[] { 3 }, "axis 3 is out of range")]
    [InlineData(new long[] { 0, -3 }, "listed twice")]
    public void Unsqueeze_with_bad_axes_is_rejected_naming_the_node(long[] axes, string expected)
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2);
        var y = b.Op("Unsqueeze", [x, b.Initializer("axes", Int64s(axes))]);
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Unsqueeze 'Unsqueeze_0'", problem);
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void Unsqueeze_without_axes_input_at_opset_13_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2);
        var y = b.Op("Unsqueeze", [x]);
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Unsqueeze 'Unsqueeze_0'", problem);
        Assert.Contains("required from opset 13", problem);
    }
}
