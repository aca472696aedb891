using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.DataMovementOracle;

namespace EdgePrune.Core.Tests.Ops;

public class TransposeTests
{
    public static TheoryData<DataType> ElementTypes => Types;

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Transpose_matches_OnnxRuntime_on_random_permutations(DataType type)
    {
        var random = new Random(300 + (int)type);
        for (int trial = 0; trial < 6; trial++)
        {
            var shape = RandomShape(random, random.Next(1, 6));
            var perm = Enumerable.Range(0, shape.Length).Select(i => (long)i).OrderBy(_ => random.Next()).ToArray();
            var b = new GraphBuilder(opset: 13);
            var x = b.Input("x", type, shape.Select(d => Dim.Of(d)).ToArray());
            var y = b.Op("Transpose", [x], Attributes(("perm", AttributeValue.Of(perm))));
            AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, type, shape) });
        }
    }

    [Fact]
    public void Transpose_without_perm_reverses_the_axes_as_OnnxRuntime_does()
    {
        var random = new Random(301);
        var b = new GraphBuilder(opset: 7);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 3, 4);
        var y = b.Op("Transpose", [x]);
        var graph = AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, DataType.Float, 2, 3, 4) });
        Assert.Equal("float[4, 3, N]", graph.Outputs[0].Type.ToString());
    }

    [Theory]
    [InlineData(new long[] { 0, 1 })]
    [InlineData(new long[] { 0, 0, 1 })]
    [InlineData(new long[] { 0, 1, 3 })]
    public void Transpose_with_an_invalid_perm_is_rejected_naming_the_node(long[] perm)
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 3, 4);
        var y = b.Op("Transpose", [x], Attributes(("perm", AttributeValue.Of(perm))));
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Transpose 'Transpose_0'", problem);
        Assert.Contains("is not a permutation", problem);
    }
}
