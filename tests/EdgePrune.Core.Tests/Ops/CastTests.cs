using EdgePrune.Core.Ir;
using static EdgePrune.Core.Tests.Ops.MathOpsOracle;

namespace EdgePrune.Core.Tests.Ops;

public class CastTests
{
    /// <summary>Types the test oracle can feed and read directly.</summary>
    private static readonly DataType[] Direct = [DataType.Float, DataType.Double, DataType.Int8, DataType.UInt8, DataType.Int32, DataType.Int64, DataType.Bool];

    /// <summary>Types read back through a second Cast to a type that holds all their values.</summary>
    private static readonly (DataType Type, DataType ReadAs)[] Indirect =
    [
        (DataType.Float16, DataType.Float), (DataType.Int16, DataType.Int32), (DataType.UInt16, DataType.Int32),
        (DataType.UInt32, DataType.Int64), (DataType.UInt64, DataType.Int64),
    ];

    /// <summary>
    /// In-range values, ties, and values outside every integer type (NaN, ±inf, ±1e20, ±3e9...), whose results C++
    /// leaves undefined and ONNX Runtime produces on x86-64. 37 elements, so vectorised kernels also run their
    /// scalar tail; the last five are in range for every type, because ONNX Runtime's tail converts out-of-range
    /// values to uint32 differently from its vectorised body (see Cast.cs).
    /// </summary>
    private static readonly float[] FloatEdgeValues =
    [
        float.NaN, 2.5f, -3.7f, 127.9f, 128.5f, -128.5f, -129f, 255.9f, 256f, 300.7f, -300.7f,
        32767.5f, 32768f, -32769f, 65535.9f, 70000.5f, -70000.5f, 2147483520f, 2147483648f, -2147483648f, -2147483904f,
        3e9f, -3e9f, 4294967296f, 1e10f, -1e10f, 9.2233715e18f, 9.223372e18f, 1e20f, -1e20f, float.PositiveInfinity, float.NegativeInfinity,
        0f, -0f, 0.99f, -0.99f, 1.5f,
    ];

    public static TheoryData<DataType, DataType> DirectPairs()
    {
        var data = new TheoryData<DataType, DataType>();
        foreach (var from in Direct)
        {
            foreach (var to in Direct)
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DirectPairs))]
    public void Cast_matches_OnnxRuntime_between_every_pair_of_types(DataType from, DataType to)
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", from, FloatEdgeValues.Length);
        b.Output(b.Op("Cast", [x], Attributes(("to", AttributeValue.Of((long)to)))));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor> { ["x"] = Values(from) }, atol: 0, rtol: 0);
    }

    [Fact]
    public void Cast_matches_OnnxRuntime_through_float16_int16_and_unsigned_types()
    {
        var b = new GraphBuilder(19);
        var inputs = Direct.ToDictionary(t => t, t => b.Input("x_" + t.OnnxName(), t, FloatEdgeValues.Length));
        foreach (var (type, readAs) in Indirect)
        {
            foreach (var from in Direct)
            {
                var cast = b.Op("Cast", [inputs[from]], Attributes(("to", AttributeValue.Of((long)type))));
                b.Output(b.Op("Cast", [cast], Attributes(("to", AttributeValue.Of((long)readAs)))));
            }

            // And back out of the indirect type into every direct type.
            var source = b.Op("Cast", [inputs[DataType.Float]], Attributes(("to", AttributeValue.Of((long)type))));
            foreach (var to in Direct)
            {
                b.Output(b.Op("Cast", [source], Attributes(("to", AttributeValue.Of((long)to)))));
            }
        }

        AssertMatchesOnnxRuntime(b.Build(), Direct.ToDictionary(t => "x_" + t.OnnxName(), Values), atol: 0, rtol: 0);
    }

    [Fact]
    public void Cast_of_double_and_int64_to_float16_rounds_like_OnnxRuntime()
    {
        var random = new Random(4);
        var doubles = Enumerable.Range(0, 64).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-30, 20))).ToArray();
        var longs = Enumerable.Range(0, 64).Select(_ => random.NextInt64(-70000, 70000)).ToArray();
        var b = new GraphBuilder(13);
        var d = b.Input("d", DataType.Double, 64);
        var l = b.Input("l", DataType.Int64, 64);
        foreach (var x in new[] { d, l })
        {
            var half = b.Op("Cast", [x], Attributes(("to", AttributeValue.Of((long)DataType.Float16))));
            b.Output(b.Op("Cast", [half], Attributes(("to", AttributeValue.Of((long)DataType.Float)))));
        }

        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor>
        {
            ["d"] = Tensor.FromArray(doubles, 64),
            ["l"] = Tensor.FromArray(longs, 64),
        }, atol: 0, rtol: 0);
    }

    [Theory]
    [InlineData(8L, "string")]
    [InlineData(16L, "bfloat16")]
    [InlineData(17L, "float8")]
    public void Cast_to_unsupported_type_is_rejected_with_node_name(long to, string fragment)
    {
        var b = new GraphBuilder(19);
        var x = b.Input("x", DataType.Float, 2);
        b.Output(b.Op("Cast", [x], Attributes(("to", AttributeValue.Of(to)))));
        AssertSingleProblem(b.Build(), "Cast_0", fragment);
    }

    /// <summary>
    /// ONNX Runtime refuses 'saturate' on non-float8 casts; the spec only says it is unused there, so EdgePrune accepts
    /// it. Hand-computed oracle.
    /// </summary>
    [Fact]
    public void Cast_saturate_at_opset_19_is_accepted_and_changes_nothing_for_integer_targets()
    {
        var b = new GraphBuilder(19);
        var x = b.Input("x", DataType.Float, 4);
        b.Output(b.Op("Cast", [x], Attributes(("to", AttributeValue.Of((long)DataType.Int8)), ("saturate", AttributeValue.Of(1L)))));
        var graph = b.Build();
        Assert.Empty(Problems(graph));
        var y = Execution.ReferenceExecutor.Run(graph, new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(new[] { -1.9f, 127.5f, 128f, 300f }, 4) }).Values.Single();
        Assert.Equal(new sbyte[] { -1, 127, -128, 44 }, y.Span<sbyte>().ToArray());
    }

    [Fact]
    public void Cast_saturate_before_opset_19_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, 2);
        b.Output(b.Op("Cast", [x], Attributes(("to", AttributeValue.Of(7L)), ("saturate", AttributeValue.Of(1L)))));
        AssertSingleProblem(b.Build(), "Cast_0", "'saturate' exists only from opset 19");
    }

    [Fact]
    public void Cast_without_target_type_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, 2);
        b.Output(b.Op("Cast", [x]));
        AssertSingleProblem(b.Build(), "Cast_0", "'to'");
    }

    /// <summary>The edge values in <paramref name="type"/>; integer types get wrapped and extreme bit patterns instead.</summary>
    private static Tensor Values(DataType type)
    {
        int n = FloatEdgeValues.Length;
        var longs = Enumerable.Range(0, n).Select(i => i switch
        {
            0 => long.MinValue,
            1 => long.MaxValue,
            2 => int.MinValue,
            3 => int.MaxValue,
            4 => 1L << 53 | 1,
            5 => -(1L << 24) - 1,
            _ => (long)(FloatEdgeValues[i] is var f && float.IsFinite(f) && Math.Abs(f) < 9e18 ? f : i * 1000003L),
        }).ToArray();
        return type switch
        {
            DataType.Float => Tensor.FromArray((float[])FloatEdgeValues.Clone(), n),
            DataType.Double => Tensor.FromArray(FloatEdgeValues.Select((f, i) => i == 0 ? double.NaN : i == 1 ? 1e300 : f + 1e-9).ToArray(), n),
            DataType.Int8 => Tensor.FromArray(longs.Select(v => unchecked((sbyte)v)).ToArray(), n),
            DataType.UInt8 => Tensor.FromArray(longs.Select(v => unchecked((byte)v)).ToArray(), n),
            DataType.Int32 => Tensor.FromArray(longs.Select(v => unchecked((int)v)).ToArray(), n),
            DataType.Int64 => Tensor.FromArray(longs, n),
            DataType.Bool => Tensor.FromArray(longs.Select(v => v % 3 == 0).ToArray(), n),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }
}
