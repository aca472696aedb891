using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.DataMovementOracle;

namespace EdgePrune.Core.Tests.Ops;

public class ReshapeTests
{
    public static TheoryData<DataType> ElementTypes => Types;

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Reshape_matches_OnnxRuntime_on_random_shapes_with_zero_and_minus_one(DataType type)
    {
        var random = new Random(100 + (int)type);
        for (int trial = 0; trial < 5; trial++)
        {
            var shape = RandomShape(random, random.Next(1, 5));
            var target = new List<long>();
            foreach (int d in shape)
            {
                if (target.Count > 0 && random.Next(2) == 0)
                {
                    target[^1] *= d;
                }
                else
                {
                    target.Add(d);
                }
            }

            var requested = target.ToArray();
            int inferred = random.Next(2) == 0 ? random.Next(requested.Length) : -1;
            for (int i = 0; i < requested.Length; i++)
            {
                if (i == inferred)
                {
                    requested[i] = -1;
                }
                else if (i < shape.Length && requested[i] == shape[i] && random.Next(2) == 0)
                {
                    requested[i] = 0;
                }
            }

            var b = new GraphBuilder(opset: 13);
            var x = b.Input("x", type, shape.Select(d => Dim.Of(d)).ToArray());
            var y = b.Op("Reshape", [x, b.Initializer("shape", Int64s(requested))]);
            AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, type, shape) });
        }
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(0L)]
    public void Reshape_allowzero_matches_OnnxRuntime_on_empty_tensors(long allowZero)
    {
        var random = new Random(7);
        var b = new GraphBuilder(opset: 14);
        var x = b.Input("x", DataType.Float, 0, 3);
        var requested = allowZero == 1 ? Int64s(3, 0) : Int64s(0, 3, 1);
        var y = b.Op("Reshape", [x, b.Initializer("shape", requested)], Attributes(("allowzero", AttributeValue.Of(allowZero))));
        var graph = AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, DataType.Float, 0, 3) });
        Assert.Equal(allowZero == 1 ? "float[3, 0]" : "float[0, 3, 1]", graph.Outputs[0].Type.ToString());
    }

    [Fact]
    public void Reshape_with_shape_computed_at_run_time_matches_OnnxRuntime()
    {
        var random = new Random(8);
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Int64, 2, 3, 4);
        var shape = b.Input("shape", DataType.Int64, 3);
        var y = b.Op("Reshape", [x, shape]);
        var graph = AssertMatchesOrt(b, [y], new() { ["x"] = Random(random, DataType.Int64, 2, 3, 4), ["shape"] = Int64s(4, 0, -1) });
        Assert.Equal("int64[?, ?, ?]", graph.Outputs[0].Type.ToString());
    }

    [Theory]
    [InlineData(new long[] { 4, 2 }, "cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)")]
    [InlineData(new long[] { -1, -1 }, "more than one -1")]
    [InlineData(new long[] { 4, -1 }, "do not divide")]
    [InlineData(new long[] { 0, 0, 0 }, "0 at position 2")]
    public void Reshape_to_an_impossible_shape_is_rejected_naming_the_node(long[] requested, string expected)
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 3);
        var y = b.Op("Reshape", [x, b.Initializer("shape", Int64s(requested))]);
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Reshape 'Reshape_0'", problem);
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void Reshape_allowzero_before_opset_14_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 3);
        var y = b.Op("Reshape", [x, b.Initializer("shape", Int64s(6))], Attributes(("allowzero", AttributeValue.Of(1L))));
        var problem = Assert.Single(Problems(b, y));
        Assert.Contains("Reshape 'Reshape_0'", problem);
        Assert.Contains("only from opset 14", problem);
    }

    [Fact]
    public void Reshape_to_an_incompatible_shape_given_at_run_time_fails_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 3);
        var shape = b.Input("shape", DataType.Int64, 2);
        var y = b.Op("Reshape", [x, shape]);
        var message = ExecutionError(b, y, new() { ["x"] = Tensor.Zeros(DataType.Float, 2, 3), ["shape"] = Int64s(5, 5) });
        Assert.Contains("Reshape 'Reshape_0'", message);
    }

    /// <summary>
    /// PyTorch exports <c>x.view(x.size(0), -1)</c> as Shape → Gather → Unsqueeze → Concat → Reshape. With a
    /// symbolic batch the 'shape' value is never a constant, yet the output is [N, 12].
    /// </summary>
    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void PyTorch_dynamic_reshape_chain_keeps_the_batch_symbol_and_matches_OnnxRuntime(int opset)
    {
        var b = new GraphBuilder(opset);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 3, 4);
        var shape = b.Op("Shape", [x]);
        var batch = b.Op("Gather", [shape, b.Initializer("zero", Tensor.Scalar(0L))], Attributes(("axis", AttributeValue.Of(0L))));
        var batchVector = opset >= 13
            ? b.Op("Unsqueeze", [batch, b.Initializer("axes", Int64s(0))])
            : b.Op("Unsqueeze", [batch], Attributes(("axes", AttributeValue.Of(new long[] { 0 }))));
        var newShape = b.Op("Concat", [batchVector, b.Initializer("rest", Int64s(-1))], Attributes(("axis", AttributeValue.Of(0L))));
        var y = b.Op("Reshape", [x, newShape]);
        b.Output(y);
        var graph = ShapeInference.Infer(b.Build(), "chain");

        Assert.Equal("int64[2]", graph.ValueTypes[newShape].ToString());
        Assert.Equal("float[N, 12]", graph.Outputs.Single().Type.ToString());
        var random = new Random(opset);
        foreach (int n in new[] { 1, 5 })
        {
            var feeds = new Dictionary<string, Tensor> { ["x"] = TestTensors.Uniform(random, [n, 3, 4]) };
            var expected = OrtOracle.Run(graph, feeds)[y];
            var actual = ReferenceExecutor.Run(graph, feeds)[y];
            Assert.Equal([n, 12], actual.Shape.ToArray());
            Agreement.AssertClose(expected, actual, 0f, 0f);
        }
    }

    [Fact]
    public void Dynamic_reshape_chain_through_Slice_keeps_the_batch_symbol_and_matches_OnnxRuntime()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Int8, Dim.Named("batch"), 2, 3, 2);
        var leading = b.Op("Slice", [b.Op("Shape", [x]), b.Initializer("starts", Int64s(0)), b.Initializer("ends", Int64s(2))]);
        var newShape = b.Op("Concat", [leading, b.Initializer("rest", Int64s(-1))], Attributes(("axis", AttributeValue.Of(0L))));
        var y = b.Op("Reshape", [x, newShape]);
        var graph = AssertMatchesOrt(b, [y], new() { ["x"] = Random(new Random(9), DataType.Int8, 3, 2, 3, 2) });
        Assert.Equal("int8[batch, 2, 6]", graph.Outputs[0].Type.ToString());
    }
}
