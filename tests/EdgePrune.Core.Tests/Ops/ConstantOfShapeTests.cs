using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.DataMovementOracle;

namespace EdgePrune.Core.Tests.Ops;

public class ConstantOfShapeTests
{
    public static TheoryData<DataType> ElementTypes => Types;

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void ConstantOfShape_matches_OnnxRuntime_for_shapes_given_at_run_time(DataType type)
    {
        var random = new Random(1200 + (int)type);
        for (int trial = 0; trial < 3; trial++)
        {
            var dims = RandomShape(random, trial, maxDim: 5).Select(d => (long)d).ToArray();
            var b = new GraphBuilder(opset: trial == 0 ? 9 : 20);
            var shape = b.Input("shape", DataType.Int64, dims.Length);
            var y = b.Op("ConstantOfShape", [shape], Attributes(("value", AttributeValue.Of(Random(random, type, 1)))));
            AssertMatchesOrt(b, [y], new() { ["shape"] = Int64s(dims) });
        }
    }

    [Fact]
    public void ConstantOfShape_defaults_to_float_zeros_and_infers_a_constant_shape_as_OnnxRuntime_does()
    {
        var b = new GraphBuilder(opset: 13);
        var y = b.Op("ConstantOfShape", [b.Initializer("shape", Int64s(2, 0, 3))]);
        var z = b.Op("ConstantOfShape", [b.Initializer("shape2", Int64s(3, 2))]);
        var graph = AssertMatchesOrt(b, [y, z], []);
        Assert.Equal("float[2, 0, 3]", graph.Outputs[0].Type.ToString());
    }

    [Fact]
    public void ConstantOfShape_value_with_more_than_one_element_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var y = b.Op("ConstantOfShape", [b.Initializer("shape", Int64s(2))], Attributes(("value", AttributeValue.Of(Int64s(1, 2)))));
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("ConstantOfShape 'ConstantOfShape_0'", problem);
        Assert.Contains("exactly one element", problem);
    }
}
