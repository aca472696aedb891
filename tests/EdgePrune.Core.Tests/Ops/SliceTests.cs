using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.DataMovementOracle;

namespace EdgePrune.Core.Tests.Ops;

public class SliceTests
{
    public static TheoryData<DataType> ElementTypes => Types;

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Slice_matches_OnnxRuntime_on_random_windows_with_negative_steps_clamping_and_empty_results(DataType type)
    {
        var random = new Random(800 + (int)type);
        for (int trial = 0; trial < 8; trial++)
        {
            var shape = RandomShape(random, random.Next(1, 4), maxDim: 6);
            var axes = Enumerable.Range(0, shape.Length).OrderBy(_ => random.Next()).Take(random.Next(1, shape.Length + 1)).ToArray();
            var starts = axes.Select(a => Bound(random, shape[a], long.MaxValue)).ToArray();
            var ends = axes.Select(a => Bound(random, shape[a], long.MinValue)).ToArray();
            var steps = axes.Select(_ => (long)random.Next(1, 4) * (random.Next(2) == 0 ? 1 : -1)).ToArray();
            var axisValues = axes.Select(a => random.Next(2) == 0 ? (long)a : a - shape.Length).ToArray();

            var b = new GraphBuilder(opset: 13);
            var x = b.Input("x", type, shape.Select(d => Dim.Of(d)).ToArray());
            string[] inputs = trial % 4 == 3 && axes.SequenceEqual(Enumerable.Range(0, axes.Length))
                ? [x, b.Initializer("starts", Int64s(starts)), b.Initializer("ends", Int64s(ends))]
                : [x, b.Initializer("starts", Int64s(starts)), b.Initializer("ends", Int64s(ends)), b.Initializer("axes", Int64s(axisValues)), b.Initializer("steps", Int64s(steps))];
            var y = b.Op("Slice", inputs);
            AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, type, shape) });
        }
    }

    [Fact]
    public void Slice_with_int32_parameters_given_at_run_time_matches_OnnxRuntime()
    {
        var random = new Random(801);
        var b = new GraphBuilder(opset: 11);
        var x = b.Input("x", DataType.Float, 5, 6);
        var starts = b.Input("starts", DataType.Int32, 2);
        var ends = b.Input("ends", DataType.Int32, 2);
        var y = b.Op("Slice", [x, starts, ends, b.Initializer("axes", Tensor.FromArray(new[] { -1, 0 }, 2)), b.Initializer("steps", Tensor.FromArray(new[] { -2, 1 }, 2))]);
        var feeds = new Dictionary<string, Tensor>
        {
            ["x"] = Random(random, DataType.Float, 5, 6),
            ["starts"] = Tensor.FromArray(new[] { int.MaxValue, 1 }, 2),
            ["ends"] = Tensor.FromArray(new[] { int.MinValue, -1 }, 2),
        };
        var graph = AssertMatchesOrt(b, [y], feeds);
        Assert.Equal("float[?, ?]", graph.Outputs[0].Type.ToString());
    }

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Slice_opset_9_attributes_match_OnnxRuntime(DataType type)
    {
        var random = new Random(802);
        var b = new GraphBuilder(opset: 9);
        var x = b.Input("x", type, 4, 5, 6);
        var y = b.Op("Slice", [x], Attributes(
            ("starts", AttributeValue.Of(new long[] { 1, -4 })),
            ("ends", AttributeValue.Of(new long[] { long.MaxValue, -1 })),
            ("axes", AttributeValue.Of(new long[] { 0, 2 }))));
        var graph = AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, type, 4, 5, 6) });
        Assert.Equal($"{type.OnnxName()}[3, 5, 3]", graph.Outputs[0].Type.ToString());
    }

    [Fact]
    public void Slice_to_the_end_of_a_symbolic_axis_keeps_the_symbol()
    {
        var random = new Random(803);
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 8);
        var y = b.Op("Slice", [x, b.Initializer("starts", Int64s(0, 2)), b.Initializer("ends", Int64s(long.MaxValue, 7)), b.Initializer("axes", Int64s(0, 1))]);
        var graph = AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, DataType.Float, 3, 8) });
        Assert.Equal("float[N, 5]", graph.Outputs[0].Type.ToString());
    }

    [Theory]
    [InlineData(new long[] { 0 }, new long[] { 0 }, "step 0")]
    [InlineData(new long[] { 2 }, new long[] { 1 }, "axis 2 is out of range")]
    [InlineData(new long[] { 0, -2 }, new long[] { 1, 1 }, "sliced twice")]
    public void Slice_with_bad_axes_or_steps_is_rejected_naming_the_node(long[] axes, long[] steps, string expected)
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 4, 5);
        var zeros = Int64s(new long[axes.Length]);
        var y = b.Op("Slice", [x, b.Initializer("starts", zeros), b.Initializer("ends", Int64s(axes.Select(_ => 3L).ToArray())), b.Initializer("axes", Int64s(axes)), b.Initializer("steps", Int64s(steps))]);
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Slice 'Slice_0'", problem);
        Assert.Contains(expected, problem);
    }

    /// <summary>A start or end anywhere from below -d to above d, sometimes the INT64 extreme PyTorch writes for "open".</summary>
    private static long Bound(Random random, int dim, long extreme) =>
        random.Next(5) == 0 ? extreme : random.Next(-dim - 2, dim + 3);
}
