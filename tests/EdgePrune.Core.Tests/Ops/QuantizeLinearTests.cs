using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using static EdgePrune.Core.Tests.Ops.MathOpsOracle;

namespace EdgePrune.Core.Tests.Ops;

/// <summary>
/// QuantizeLinear and DequantizeLinear. Quantized values must equal ONNX Runtime's exactly, and so must dequantized
/// ones: both compute float(x − zero_point) · scale, rounded once.
/// </summary>
public class QuantizeLinearTests
{
    [Theory]
    [InlineData(10, DataType.UInt8, true)]
    [InlineData(10, DataType.Int8, true)]
    [InlineData(10, DataType.UInt8, false)]
    [InlineData(13, DataType.Int8, true)]
    [InlineData(19, DataType.UInt8, true)]
    [InlineData(21, DataType.Int8, true)]
    [InlineData(21, DataType.UInt8, false)]
    public void Per_tensor_quantize_and_dequantize_match_OnnxRuntime_exactly(int opset, DataType type, bool withZeroPoint)
    {
        var random = new Random(opset * 4 + (int)type + (withZeroPoint ? 1 : 0));
        for (int trial = 0; trial < 3; trial++)
        {
            var shape = RandomShape(random, 0, 4, maxDim: 6);
            float scale = (float)Math.Exp(random.NextDouble() * 6 - 5);
            int zeroPoint = type == DataType.Int8 ? random.Next(-20, 21) : random.Next(100, 156);
            var b = new GraphBuilder(opset);
            var x = b.Input("x", DataType.Float, Dims(shape));
            string[] inputs = [x, b.Initializer("scale", Tensor.FromArray(new[] { scale }))];
            if (withZeroPoint)
            {
                inputs = [.. inputs, b.Initializer("zp", ZeroPoint(type, [zeroPoint]))];
            }

            var q = b.Op("QuantizeLinear", inputs);
            b.Output(q);
            b.Output(b.Op("DequantizeLinear", [q, .. inputs[1..]]));

            // Wide enough to saturate at both ends.
            var feed = TestTensors.Uniform(random, shape, -200f * scale, 200f * scale);
            AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor> { ["x"] = feed }, atol: 0, rtol: 0);
        }
    }

    [Theory]
    [InlineData(0.5f, DataType.Int8, 0)]
    [InlineData(0.5f, DataType.UInt8, 128)]
    [InlineData(0.1f, DataType.Int8, 3)]
    [InlineData(0.02f, DataType.UInt8, 7)]
    public void Quantize_rounds_ties_to_even_like_OnnxRuntime(float scale, DataType type, int zeroPoint)
    {
        // Exact ties x/scale = k + 0.5 for a power-of-two scale; near-ties that depend on how x/scale is computed otherwise.
        var ties = Enumerable.Range(-8, 17).Select(k => (k + 0.5f) * scale).ToList();
        ties.AddRange([0.5f * scale, 1.5f * scale, -2.5f * scale, 2.5f * scale, -0.5f * scale, 1000f, -1000f, 127.5f * scale, -128.5f * scale, 0f, -0f]);
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, ties.Count);
        b.Output(b.Op("QuantizeLinear", [x, b.Initializer("scale", Tensor.Scalar(scale)), b.Initializer("zp", ZeroPoint(type, [zeroPoint]))]));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(ties.ToArray(), ties.Count) });
    }

    [Fact]
    public void Quantize_ties_give_hand_computed_values()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, 8);
        b.Output(b.Op("QuantizeLinear", [x, b.Initializer("scale", Tensor.Scalar(2f)), b.Initializer("zp", ZeroPoint(DataType.Int8, [0]))]));
        var y = Execution.ReferenceExecutor.Run(b.Build(), new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.FromArray(new[] { 1f, 3f, -5f, 5f, -1f, 300f, -300f, 255f }, 8),
        }).Values.Single();
        Assert.Equal(new sbyte[] { 0, 2, -2, 2, 0, 127, -128, 127 }, y.Span<sbyte>().ToArray());
    }

    [Theory]
    [InlineData(13, 1L, DataType.Int8)]
    [InlineData(13, 0L, DataType.UInt8)]
    [InlineData(19, -1L, DataType.Int8)]
    [InlineData(21, -3L, DataType.UInt8)]
    [InlineData(21, null, DataType.Int8)]
    public void Per_axis_quantize_and_dequantize_match_OnnxRuntime_exactly(int opset, long? axis, DataType type)
    {
        var random = new Random(opset + (int)(axis ?? 9));
        for (int trial = 0; trial < 3; trial++)
        {
            var shape = RandomShape(random, 3, 4, maxDim: 5);
            int a = (int)((axis ?? 1) < 0 ? (axis ?? 1) + shape.Length : (axis ?? 1));
            int channels = shape[a];
            var scales = Enumerable.Range(0, channels).Select(_ => (float)Math.Exp(random.NextDouble() * 4 - 4)).ToArray();
            var zeroPoints = Enumerable.Range(0, channels).Select(_ => type == DataType.Int8 ? random.Next(-10, 11) : random.Next(120, 136)).ToArray();
            var attributes = axis is { } ax ? Attributes(("axis", AttributeValue.Of(ax))) : null;
            var b = new GraphBuilder(opset);
            var x = b.Input("x", DataType.Float, Dims(shape));
            var scale = b.Initializer("scale", Tensor.FromArray(scales, channels));
            var zp = b.Initializer("zp", ZeroPoint(type, zeroPoints));
            var q = b.Op("QuantizeLinear", [x, scale, zp], attributes);
            b.Output(q);
            b.Output(b.Op("DequantizeLinear", [q, scale, zp], attributes));
            AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor> { ["x"] = TestTensors.Uniform(random, shape, -150f, 150f) }, atol: 0, rtol: 0);
        }
    }

    [Fact]
    public void Quantize_output_dtype_without_zero_point_matches_OnnxRuntime()
    {
        var b = new GraphBuilder(21);
        var x = b.Input("x", DataType.Float, 4, 6);
        b.Output(b.Op("QuantizeLinear", [x, b.Initializer("scale", Tensor.Scalar(0.05f))], Attributes(("output_dtype", AttributeValue.Of((long)DataType.Int8)))));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor> { ["x"] = TestTensors.Uniform(new Random(8), [4, 6], -8f, 8f) });
    }

    [Fact]
    public void Dequantize_int32_bias_matches_OnnxRuntime_per_tensor_and_per_axis()
    {
        var random = new Random(12);
        var values = Enumerable.Range(0, 24).Select(_ => random.Next(int.MinValue, int.MaxValue)).ToArray();
        var small = Enumerable.Range(0, 6).Select(_ => random.Next(-100000, 100000)).ToArray();
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Int32, 24);
        var bias = b.Input("bias", DataType.Int32, 6);
        b.Output(b.Op("DequantizeLinear", [x, b.Initializer("scale", Tensor.Scalar(3e-5f))]));
        b.Output(b.Op("DequantizeLinear", [x, b.Initializer("scale1", Tensor.Scalar(0.001f)), b.Initializer("zero", Tensor.FromArray(new[] { 0 }))]));
        b.Output(b.Op("DequantizeLinear", [bias, b.Initializer("scales", Tensor.FromArray(new[] { 1e-4f, 2e-4f, 3e-4f, 4e-4f, 5e-4f, 6e-4f }, 6))], Attributes(("axis", AttributeValue.Of(0L)))));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.FromArray(values, 24),
            ["bias"] = Tensor.FromArray(small, 6),
        }, atol: 0, rtol: 0);
    }

    [Fact]
    public void Dequantize_of_every_uint8_and_int8_value_matches_OnnxRuntime()
    {
        var b = new GraphBuilder(13);
        var u = b.Input("u", DataType.UInt8, 256);
        var s = b.Input("s", DataType.Int8, 256);
        var scale = b.Initializer("scale", Tensor.Scalar(0.0137f));
        b.Output(b.Op("DequantizeLinear", [u, scale, b.Initializer("uzp", ZeroPoint(DataType.UInt8, [131]))]));
        b.Output(b.Op("DequantizeLinear", [s, scale, b.Initializer("szp", ZeroPoint(DataType.Int8, [-7]))]));
        b.Output(b.Op("DequantizeLinear", [u, scale]));
        AssertMatchesOnnxRuntime(b.Build(), new Dictionary<string, Tensor>
        {
            ["u"] = Tensor.FromArray(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), 256),
            ["s"] = Tensor.FromArray(Enumerable.Range(-128, 256).Select(i => (sbyte)i).ToArray(), 256),
        }, atol: 0, rtol: 0);
    }

    [Fact]
    public void Quantize_block_size_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(21);
        var x = b.Input("x", DataType.Float, 4, 6);
        b.Output(b.Op("QuantizeLinear", [x, b.Initializer("scale", Tensor.FromArray(new float[8], 4, 2))], Attributes(("block_size", AttributeValue.Of(3L)))));
        AssertSingleProblem(b.Build(), "QuantizeLinear_0", "block_size = 3");
    }

    [Fact]
    public void Dequantize_block_size_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(21);
        var x = b.Input("x", DataType.Int8, 4, 6);
        b.Output(b.Op("DequantizeLinear", [x, b.Initializer("scale", Tensor.FromArray(new float[8], 4, 2))], Attributes(("block_size", AttributeValue.Of(3L)))));
        AssertSingleProblem(b.Build(), "DequantizeLinear_0", "blocked quantization");
    }

    [Fact]
    public void Quantize_output_dtype_int16_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(21);
        var x = b.Input("x", DataType.Float, 4);
        b.Output(b.Op("QuantizeLinear", [x, b.Initializer("scale", Tensor.Scalar(1f))], Attributes(("output_dtype", AttributeValue.Of((long)DataType.Int16)))));
        AssertSingleProblem(b.Build(), "QuantizeLinear_0", "output_dtype 5 is not supported");
    }

    [Fact]
    public void Quantize_output_dtype_contradicting_zero_point_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(21);
        var x = b.Input("x", DataType.Float, 4);
        b.Output(b.Op("QuantizeLinear", [x, b.Initializer("scale", Tensor.Scalar(1f)), b.Initializer("zp", ZeroPoint(DataType.UInt8, [0]))],
            Attributes(("output_dtype", AttributeValue.Of((long)DataType.Int8)))));
        AssertSingleProblem(b.Build(), "QuantizeLinear_0", "must agree");
    }

    [Fact]
    public void Per_axis_scale_at_opset_10_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(10);
        var x = b.Input("x", DataType.Float, 2, 3);
        b.Output(b.Op("QuantizeLinear", [x, b.Initializer("scale", Tensor.FromArray(new[] { 1f, 2f, 3f }, 3))]));
        AssertSingleProblem(b.Build(), "QuantizeLinear_0", "must be a scalar");
    }

    [Fact]
    public void Axis_attribute_at_opset_10_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(10);
        var x = b.Input("x", DataType.Int8, 2, 3);
        b.Output(b.Op("DequantizeLinear", [x, b.Initializer("scale", Tensor.Scalar(1f))], Attributes(("axis", AttributeValue.Of(0L)))));
        AssertSingleProblem(b.Build(), "DequantizeLinear_0", "'axis' exists only from opset 13");
    }

    [Fact]
    public void Per_axis_scale_of_wrong_length_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Float, Dim.Named("N"), 3, 4);
        b.Output(b.Op("QuantizeLinear", [x, b.Initializer("scale", Tensor.FromArray(new[] { 1f, 2f, 3f, 4f }, 4))]));
        AssertSingleProblem(b.Build(), "QuantizeLinear_0", "has 3 along axis 1");
    }

    [Fact]
    public void Dequantize_int32_with_nonzero_zero_point_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Int32, 3);
        b.Output(b.Op("DequantizeLinear", [x, b.Initializer("scale", Tensor.Scalar(1f)), b.Initializer("zp", Tensor.FromArray(new[] { 5 }))]));
        AssertSingleProblem(b.Build(), "DequantizeLinear_0", "zero point of 0");
    }

    [Fact]
    public void Dequantize_zero_point_of_other_type_is_rejected_with_node_name()
    {
        var b = new GraphBuilder(13);
        var x = b.Input("x", DataType.Int8, 3);
        b.Output(b.Op("DequantizeLinear", [x, b.Initializer("scale", Tensor.Scalar(1f)), b.Initializer("zp", ZeroPoint(DataType.UInt8, [5]))]));
        AssertSingleProblem(b.Build(), "DequantizeLinear_0", "same type");
    }

    private static Tensor ZeroPoint(DataType type, int[] values)
    {
        int[] shape = values.Length == 1 ? [] : [values.Length];
        return type == DataType.Int8
            ? Tensor.FromArray(values.Select(v => (sbyte)v).ToArray(), shape)
            : Tensor.FromArray(values.Select(v => (byte)v).ToArray(), shape);
    }
}
