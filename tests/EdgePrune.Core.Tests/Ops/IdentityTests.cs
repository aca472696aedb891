using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.DataMovementOracle;

namespace EdgePrune.Core.Tests.Ops;

public class IdentityTests
{
    public static TheoryData<DataType> ElementTypes => Types;

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Identity_matches_OnnxRuntime(DataType type)
    {
        var random = new Random(1300 + (int)type);
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", type, Dim.Named("N"), 3);
        var y = b.Op("Identity", [x]);
        var graph = AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, type, 2, 3) });
        Assert.Equal($"{type.OnnxName()}[N, 3]", graph.Outputs[0].Type.ToString());
    }
}
