using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.SingleNode;

namespace EdgePrune.Core.Tests.Ops;

public class PadTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 36)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Pad_matches_OnnxRuntime_on_random_shapes_modes_and_opsets(int seed)
    {
        var random = new Random(seed);
        string mode = new[] { "constant", "reflect", "edge" }[seed % 3];
        int opset = new[] { 7, 11, 13, 18, 21 }[seed / 3 % 5];
        var shape = Enumerable.Range(0, random.Next(1, 5)).Select(_ => random.Next(mode == "reflect" ? 3 : 2, 6)).ToArray();
        int rank = shape.Length;
        // Opset 18's axes input pads a subset of the axes (possibly negative, in any order).
        int[] axes = opset >= 18 && random.Next(2) == 0
            ? Enumerable.Range(0, rank).OrderBy(_ => random.Next()).Take(random.Next(1, rank + 1)).Select(a => random.Next(2) == 0 ? a : a - rank).ToArray()
            : Enumerable.Range(0, rank).ToArray();
        // Negative pads crop; reflect pads must stay below what is left of the axis after cropping.
        long[] pads = Enumerable.Range(0, 2 * axes.Length)
            .Select(i => (long)random.Next(-1, mode == "reflect" ? Math.Min(3, shape[(axes[i % axes.Length] + rank) % rank] - 1) : 4))
            .ToArray();
        float value = (float)Math.Round(random.NextDouble() * 10 - 5, 2);
        var x = NodeInput.Fed("x", TestTensors.Uniform(random, shape));
        if (opset < 11)
        {
            AssertMatchesOnnxRuntime("Pad", opset, [x], Attrs(("mode", mode), ("pads", pads), ("value", value)));
            return;
        }

        var inputs = new List<NodeInput> { x, NodeInput.Const("pads", Tensor.FromArray(pads, pads.Length)) };
        if (mode == "constant" || axes.Length < rank)
        {
            inputs.Add(random.Next(3) == 0 ? NodeInput.Omitted : NodeInput.Const("value", Tensor.FromArray(new[] { value })));
        }

        if (axes.Length < rank)
        {
            inputs.Add(NodeInput.Const("axes", Tensor.FromArray(axes.Select(a => (long)a).ToArray(), axes.Length)));
        }

        AssertMatchesOnnxRuntime("Pad", opset, inputs, Attrs(("mode", mode)));
    }

    [Fact]
    public void Pad_with_wrap_mode_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(Problems("Pad", 19, [NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 3)), NodeInput.Const("pads", Tensor.FromArray(new long[] { 1, 1 }, 2))], Attrs(("mode", "wrap"))));
        Assert.Contains("Pad 'Pad_0'", problem);
        Assert.Contains("mode \"wrap\"", problem);
    }

    [Fact]
    public void Pad_with_pads_attribute_at_opset_11_is_rejected_naming_the_node()
    {
        var problems = Problems("Pad", 11, [NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 3))], Attrs(("pads", new long[] { 1, 1 })));
        Assert.Contains(problems, p => p.Contains("Pad 'Pad_0'") && p.Contains("exist only before opset 11"));
        Assert.Contains(problems, p => p.Contains("Pad 'Pad_0'") && p.Contains("input 'pads' is required"));
    }

    [Fact]
    public void Pad_with_wrong_pads_length_is_rejected_naming_the_node()
    {
        var problem = Assert.Single(InferenceProblems("Pad", 13, [NodeInput.Fed("x", Tensor.Zeros(DataType.Float, 3, 2)), NodeInput.Const("pads", Tensor.FromArray(new long[] { 1, 1 }, 2))]));
        Assert.Contains("Pad 'Pad_0'", problem);
        Assert.Contains("pads holds 2 values but 4 are needed", problem);
    }
}
