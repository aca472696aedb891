using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.DataMovementOracle;

namespace EdgePrune.Core.Tests.Ops;

public class ConstantTests
{
    public static TheoryData<DataType> ElementTypes => Types;

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Constant_value_tensor_matches_OnnxRuntime(DataType type)
    {
        var random = new Random(1100 + (int)type);
        var b = new GraphBuilder(opset: 9);
        var y = b.Op("Constant", [], Attributes(("value", AttributeValue.Of(Random(random, type, 2, 3)))));
        AssertMatchesOrt(b, [y], []);
    }

    public static TheoryData<string, AttributeValue> OpsetTwelveForms => new()
    {
        { "value_float", AttributeValue.Of(2.5f) },
        { "value_floats", AttributeValue.Of(1.5f, -2f, 3f) },
        { "value_int", AttributeValue.Of(-7L) },
        { "value_ints", AttributeValue.Of(4L, 5L, long.MinValue) },
    };

    [Theory]
    [MemberData(nameof(OpsetTwelveForms))]
    public void Constant_opset_12_value_forms_match_OnnxRuntime(string name, AttributeValue value)
    {
        var b = new GraphBuilder(opset: 13);
        var y = b.Op("Constant", [], Attributes((name, value)));
        AssertMatchesOrt(b, [y], []);
    }

    [Theory]
    [InlineData(13, "value_string", "string constants")]
    [InlineData(11, "value_float", "only from opset 12")]
    public void Constant_forms_EdgePrune_cannot_hold_are_rejected_naming_the_node(int opset, string name, string expected)
    {
        var b = new GraphBuilder(opset);
        var value = name == "value_string" ? AttributeValue.Of("text") : AttributeValue.Of(1f);
        var y = b.Op("Constant", [], Attributes((name, value)));
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Constant 'Constant_0'", problem);
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void Constant_sparse_value_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var y = b.Op("Constant", [], Attributes(("sparse_value", new AttributeValue { Kind = AttributeKind.Unsupported, UnsupportedKindName = "SPARSE_TENSOR" })));
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Constant 'Constant_0'", problem);
        Assert.Contains("sparse_value", problem);
    }

    [Fact]
    public void Constant_with_two_values_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var y = b.Op("Constant", [], Attributes(("value_int", AttributeValue.Of(1L)), ("value_float", AttributeValue.Of(1f))));
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Constant 'Constant_0'", problem);
        Assert.Contains("exactly one of", problem);
    }
}
