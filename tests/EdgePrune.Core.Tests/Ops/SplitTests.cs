using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.DataMovementOracle;

namespace EdgePrune.Core.Tests.Ops;

public class SplitTests
{
    public static TheoryData<DataType> ElementTypes => Types;

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Split_matches_OnnxRuntime_with_sizes_as_attribute_and_as_input(DataType type)
    {
        var random = new Random(700 + (int)type);
        for (int trial = 0; trial < 6; trial++)
        {
            var shape = RandomShape(random, random.Next(1, 4), maxDim: 6);
            int axis = random.Next(shape.Length);
            int outputs = random.Next(1, 4);
            var sizes = new long[outputs];
            for (int i = 0; i < shape[axis]; i++)
            {
                sizes[random.Next(outputs)]++;
            }

            int opset = trial % 2 == 0 ? 11 : 13;
            var b = new GraphBuilder(opset);
            var x = b.Input("x", type, shape.Select(d => Dim.Of(d)).ToArray());
            var attributes = Attributes(("axis", AttributeValue.Of((long)(random.Next(2) == 0 ? axis : axis - shape.Length))));
            string[] ys;
            if (opset >= 13)
            {
                ys = b.Node("Split", [x, b.Initializer("split", Int64s(sizes))], outputs, attributes);
            }
            else
            {
                attributes["split"] = AttributeValue.Of(sizes);
                ys = b.Node("Split", [x], outputs, attributes);
            }

            AssertMatchesOrt(b, ys, new() { ["x"] = Random(random, type, shape) });
        }
    }

    [Theory]
    [InlineData(11, 6, 3)]
    [InlineData(13, 6, 2)]
    public void Split_into_equal_parts_matches_OnnxRuntime(int opset, int length, int outputs)
    {
        var random = new Random(701);
        var b = new GraphBuilder(opset);
        var x = b.Input("x", DataType.Int64, 2, length);
        var ys = b.Node("Split", [x], outputs, Attributes(("axis", AttributeValue.Of(-1L))));
        AssertMatchesOrt(b, ys, new() { ["x"] = Random(random, DataType.Int64, 2, length) });
    }

    [Theory]
    [InlineData(7, 3)]
    [InlineData(5, 2)]
    public void Split_num_outputs_gives_a_smaller_last_part_as_OnnxRuntime_does(int length, int outputs)
    {
        var random = new Random(702);
        var b = new GraphBuilder(opset: 18);
        var x = b.Input("x", DataType.Float, length, 2);
        var ys = b.Node("Split", [x], outputs, Attributes(("num_outputs", AttributeValue.Of((long)outputs))));
        AssertMatchesOrt(b, ys, new() { ["x"] = Random(random, DataType.Float, length, 2) });
    }

    [Fact]
    public void Split_sizes_that_do_not_add_up_are_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 5);
        var ys = b.Node("Split", [x, b.Initializer("split", Int64s(2, 2))], 2);
        var problem = Assert.Single(Problems(b, ys));
        Assert.Contains("Split 'Split_0'", problem);
        Assert.Contains("adds up to 4, but the split axis has 5", problem);
    }

    [Fact]
    public void Split_of_an_indivisible_axis_without_sizes_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 5);
        var ys = b.Node("Split", [x], 2);
        var problem = Assert.Single(Problems(b, ys));
        Assert.Contains("Split 'Split_0'", problem);
        Assert.Contains("cannot be split equally", problem);
    }

    [Fact]
    public void Split_num_outputs_that_leaves_the_last_part_empty_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 18);
        var x = b.Input("x", DataType.Float, 6);
        var ys = b.Node("Split", [x], 4, Attributes(("num_outputs", AttributeValue.Of(4L))));
        var problem = Assert.Single(Problems(b, ys));
        Assert.Contains("Split 'Split_0'", problem);
        Assert.Contains("non-empty last part", problem);
    }

    [Fact]
    public void Split_at_opset_18_without_sizes_or_num_outputs_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 18);
        var x = b.Input("x", DataType.Float, 6);
        var ys = b.Node("Split", [x], 3);
        var problem = Assert.Single(Problems(b, ys));
        Assert.Contains("Split 'Split_0'", problem);
        Assert.Contains("'num_outputs' attribute must be given", problem);
    }
}
