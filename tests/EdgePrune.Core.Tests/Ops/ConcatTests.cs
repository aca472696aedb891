using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.DataMovementOracle;

namespace EdgePrune.Core.Tests.Ops;

public class ConcatTests
{
    public static TheoryData<DataType> ElementTypes => Types;

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Concat_matches_OnnxRuntime_on_random_shapes_and_negative_axes(DataType type)
    {
        var random = new Random(600 + (int)type);
        for (int trial = 0; trial < 6; trial++)
        {
            var shape = RandomShape(random, random.Next(1, 5));
            int axis = random.Next(shape.Length);
            var b = new GraphBuilder(opset: trial % 2 == 0 ? 11 : 13);
            var feeds = new Dictionary<string, Tensor>();
            var inputs = new List<string>();
            for (int k = 0; k < random.Next(1, 4); k++)
            {
                var part = (int[])shape.Clone();
                part[axis] = random.Next(0, 4);
                inputs.Add(b.Input($"x{k}", type, part.Select(d => Dim.Of(d)).ToArray()));
                feeds[$"x{k}"] = Random(random, type, part);
            }

            long attribute = random.Next(2) == 0 ? axis : axis - shape.Length;
            var y = b.Op("Concat", [.. inputs], Attributes(("axis", AttributeValue.Of(attribute))));
            AssertMatchesOrt(b, [y], feeds);
        }
    }

    [Fact]
    public void Concat_keeps_a_shared_batch_symbol_and_matches_OnnxRuntime()
    {
        var random = new Random(601);
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 2);
        var z = b.Input("z", DataType.Float, Dim.Named("N"), 3);
        var y = b.Op("Concat", [x, z], Attributes(("axis", AttributeValue.Of(-1L))));
        var graph = AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, DataType.Float, 4, 2), ["z"] = Random(random, DataType.Float, 4, 3) });
        Assert.Equal("float[N, 5]", graph.Outputs[0].Type.ToString());
    }

    [Theory]
    [InlineData(2L, "axis 2 is out of range")]
    [InlineData(1L, "differ in dimension 0")]
    public void Concat_of_incompatible_inputs_is_rejected_naming_the_node(long axis, string expected)
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 3);
        var z = b.Input("z", DataType.Float, 4, 3);
        var y = b.Op("Concat", [x, z], Attributes(("axis", AttributeValue.Of(axis))));
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Concat 'Concat_0'", problem);
        Assert.Contains(expected, problem);
    }
}
