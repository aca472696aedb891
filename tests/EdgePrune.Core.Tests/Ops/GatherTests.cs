using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.DataMovementOracle;

namespace EdgePrune.Core.Tests.Ops;

public class GatherTests
{
    public static TheoryData<DataType> ElementTypes => Types;

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Gather_matches_OnnxRuntime_with_negative_axes_and_indices_of_both_index_types(DataType type)
    {
        var random = new Random(900 + (int)type);
        for (int trial = 0; trial < 8; trial++)
        {
            var shape = RandomShape(random, random.Next(1, 4));
            int axis = random.Next(shape.Length);
            int size = shape[axis];
            var indexShape = RandomShape(random, random.Next(0, 3), maxDim: 3);
            var indices = Enumerable.Range(0, (int)Tensor.ElementCountOf(indexShape)).Select(_ => (long)random.Next(-size, size)).ToArray();
            var indexTensor = trial % 2 == 0
                ? Tensor.FromArray(indices, indexShape)
                : Tensor.FromArray(indices.Select(i => (int)i).ToArray(), indexShape);

            var b = new GraphBuilder(opset: 13);
            var x = b.Input("x", type, shape.Select(d => Dim.Of(d)).ToArray());
            var idx = b.Input("indices", indexTensor.DataType, indexShape.Select(d => Dim.Of(d)).ToArray());
            var y = b.Op("Gather", [x, idx], Attributes(("axis", AttributeValue.Of((long)(random.Next(2) == 0 ? axis : axis - shape.Length)))));
            AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, type, shape), ["indices"] = indexTensor });
        }
    }

    [Fact]
    public void Gather_with_a_scalar_index_drops_the_axis_as_OnnxRuntime_does()
    {
        var random = new Random(901);
        var b = new GraphBuilder(opset: 11);
        var x = b.Input("x", DataType.Int64, Dim.Named("N"), 3, 4);
        var y = b.Op("Gather", [x, b.Initializer("i", Tensor.Scalar(-1L))], Attributes(("axis", AttributeValue.Of(1L))));
        var graph = AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, DataType.Int64, 2, 3, 4) });
        Assert.Equal("int64[N, 4]", graph.Outputs[0].Type.ToString());
    }

    [Fact]
    public void Gather_with_an_out_of_range_constant_index_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 3, 4);
        var y = b.Op("Gather", [x, b.Initializer("i", Int64s(0, 3))]);
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Gather 'Gather_0'", problem);
        Assert.Contains("index 3 is out of range for axis 0 of size 3", problem);
    }

    [Fact]
    public void Gather_with_an_out_of_range_run_time_index_fails_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 3, 4);
        var i = b.Input("i", DataType.Int32, 1);
        var y = b.Op("Gather", [x, i], Attributes(("axis", AttributeValue.Of(-1L))));
        var message = ExecutionError(b, y, new() { ["x"] = Tensor.Zeros(DataType.Float, 3, 4), ["i"] = Tensor.FromArray(new[] { -5 }, 1) });
        Assert.Contains("Gather 'Gather_0'", message);
        Assert.Contains("index -5 is out of range", message);
    }

    [Fact]
    public void Gather_axis_out_of_range_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 3, 4);
        var y = b.Op("Gather", [x, b.Initializer("i", Int64s(0))], Attributes(("axis", AttributeValue.Of(2L))));
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Gather 'Gather_0'", problem);
        Assert.Contains("axis 2 is out of range", problem);
    }
}
