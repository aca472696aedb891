using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;

namespace EdgePrune.Training.Tests.Autograd;

/// <summary>Every backward rule against central finite differences (see <see cref="GradientCheck"/>), on seeded random shapes.</summary>
public class GradientCheckTests
{
    private static readonly Dictionary<string, AttributeValue> None = [];

    public static TheoryData<string> UnaryOps => new() { "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Neg", "Abs", "HardSigmoid", "HardSwish", "Softmax", "LogSoftmax", "Identity", "Dropout" };

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void Unary_op_gradient_matches_finite_differences(string op)
    {
        var random = new Random(op.GetHashCode(StringComparison.Ordinal) & 0xffff);
        var b = new GraphBuilder(opset: 13);
        bool positive = op is "Log" or "Sqrt";
        var x = Uniform(random, [3, 4, 5], positive ? 0.5f : -2f, 2f);
        string y = b.Op(op, [b.Initializer("x", AwayFromKinks(x, [0f, -3f, 3f, -2.5f, 2.5f]))]);
        b.Output(y);
        GradientCheck.Run(b.Build(), seed: 1);
    }

    [Fact]
    public void Clip_gradient_matches_finite_differences()
    {
        var random = new Random(2);
        var b = new GraphBuilder(opset: 13);
        var x = AwayFromKinks(Uniform(random, [4, 6], -2f, 2f), [-0.5f, 0.7f]);
        string y = b.Op("Clip", [b.Initializer("x", x), b.Initializer("lo", Tensor.Scalar(-0.5f)), b.Initializer("hi", Tensor.Scalar(0.7f))]);
        b.Output(y);
        GradientCheck.Run(b.Build() with { }, seed: 2);
    }

    [Theory]
    [InlineData("Add", new[] { 2, 3, 4 }, new[] { 4 })]
    [InlineData("Sub", new[] { 2, 1, 4 }, new[] { 3, 1 })]
    [InlineData("Mul", new[] { 2, 3, 4 }, new[] { 2, 3, 4 })]
    [InlineData("Div", new[] { 3, 4 }, new[] { 1, 4 })]
    [InlineData("Pow", new[] { 3, 4 }, new[] { 4 })]
    public void Broadcast_binary_gradient_matches_finite_differences(string op, int[] aShape, int[] bShape)
    {
        var random = new Random(aShape.Length * 10 + bShape.Length);
        var b = new GraphBuilder(opset: 13);
        float low = op is "Div" or "Pow" ? 0.5f : -1f;
        string y = b.Op(op, [b.Initializer("a", Uniform(random, aShape, low, 1.5f)), b.Initializer("b", Uniform(random, bShape, low, 1.5f))]);
        b.Output(y);
        GradientCheck.Run(b.Build(), seed: 3);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    public void Gemm_gradient_matches_finite_differences(int transA, int transB)
    {
        var random = new Random(transA * 2 + transB);
        int m = 5, k = 7, n = 19;
        var b = new GraphBuilder(opset: 13);
        string y = b.Op("Gemm", [
            b.Initializer("a", Uniform(random, transA == 1 ? [k, m] : [m, k])),
            b.Initializer("w", Uniform(random, transB == 1 ? [n, k] : [k, n])),
            b.Initializer("c", Uniform(random, [n]))],
            new Dictionary<string, AttributeValue>
            {
                ["transA"] = AttributeValue.Of((long)transA),
                ["transB"] = AttributeValue.Of((long)transB),
                ["alpha"] = AttributeValue.Of(0.7f),
                ["beta"] = AttributeValue.Of(1.3f),
            });
        b.Output(y);
        GradientCheck.Run(b.Build(), seed: 4);
    }

    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 4, 5 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 4, 6 })]
    [InlineData(new[] { 4 }, new[] { 2, 4, 3 })]
    public void MatMul_gradient_matches_finite_differences(int[] aShape, int[] bShape)
    {
        var random = new Random(aShape.Sum() + bShape.Sum());
        var b = new GraphBuilder(opset: 13);
        string y = b.Op("MatMul", [b.Initializer("a", Uniform(random, aShape)), b.Initializer("b", Uniform(random, bShape))]);
        b.Output(y);
        GradientCheck.Run(b.Build(), seed: 5);
    }

    [Theory]
    [InlineData(4, 6, 1, 1, 1, 0, 7)]
    [InlineData(4, 6, 2, 2, 1, 1, 8)]
    [InlineData(4, 4, 4, 1, 2, 2, 9)]
    [InlineData(3, 6, 3, 2, 2, 1, 10)]
    [InlineData(2, 5, 1, 3, 1, 2, 11)]
    public void Conv2d_gradient_matches_finite_differences(int channels, int outputs, int groups, int stride, int dilation, int pad, int seed)
    {
        var random = new Random(seed);
        var b = new GraphBuilder(opset: 13);
        string y = b.Op("Conv", [
            b.Initializer("x", Uniform(random, [2, channels, 7, 6])),
            b.Initializer("w", Uniform(random, [outputs, channels / groups, 3, 2])),
            b.Initializer("bias", Uniform(random, [outputs]))],
            new Dictionary<string, AttributeValue>
            {
                ["group"] = AttributeValue.Of((long)groups),
                ["strides"] = AttributeValue.Of((long)stride, 1L),
                ["dilations"] = AttributeValue.Of((long)dilation, 1L),
                ["pads"] = AttributeValue.Of((long)pad, 0L, (long)pad, 1L),
            });
        b.Output(y);
        GradientCheck.Run(b.Build(), seed);
    }

    [Fact]
    public void Conv1d_depthwise_gradient_matches_finite_differences()
    {
        var random = new Random(12);
        var b = new GraphBuilder(opset: 13);
        string y = b.Op("Conv", [b.Initializer("x", Uniform(random, [2, 3, 11])), b.Initializer("w", Uniform(random, [3, 1, 3]))],
            new Dictionary<string, AttributeValue> { ["group"] = AttributeValue.Of(3L), ["strides"] = AttributeValue.Of([2L]), ["auto_pad"] = AttributeValue.Of("SAME_UPPER") });
        b.Output(y);
        GradientCheck.Run(b.Build(), seed: 12);
    }

    [Theory]
    [InlineData("MaxPool", 0)]
    [InlineData("AveragePool", 0)]
    [InlineData("AveragePool", 1)]
    public void Pooling_gradient_matches_finite_differences(string op, int includePad)
    {
        var random = new Random(13 + includePad);
        var b = new GraphBuilder(opset: 13);
        var attributes = new Dictionary<string, AttributeValue>
        {
            ["kernel_shape"] = AttributeValue.Of(3L, 2L),
            ["strides"] = AttributeValue.Of(2L, 1L),
            ["pads"] = AttributeValue.Of(1L, 0L, 1L, 1L),
        };
        if (op == "AveragePool")
        {
            attributes["count_include_pad"] = AttributeValue.Of((long)includePad);
        }

        string y = b.Op(op, [b.Initializer("x", Distinct(random, [2, 3, 6, 5]))], attributes);
        b.Output(y);
        GradientCheck.Run(b.Build(), seed: 13);
    }

    [Fact]
    public void GlobalAveragePool_gradient_matches_finite_differences()
    {
        var b = new GraphBuilder(opset: 13);
        string y = b.Op("GlobalAveragePool", [b.Initializer("x", Uniform(new Random(14), [2, 3, 4, 5]))]);
        b.Output(y);
        GradientCheck.Run(b.Build(), seed: 14);
    }

    [Fact]
    public void BatchNormalization_training_gradient_matches_finite_differences()
    {
        var random = new Random(15);
        var b = new GraphBuilder(opset: 13);
        string y = b.Op("BatchNormalization", [
            b.Initializer("x", Uniform(random, [4, 3, 2, 3])),
            b.Initializer("scale", Uniform(random, [3], 0.5f, 1.5f)),
            b.Initializer("bias", Uniform(random, [3])),
            b.Initializer("mean", Uniform(random, [3])),
            b.Initializer("var", Uniform(random, [3], 0.5f, 1.5f))]);
        b.Output(y);
        GradientCheck.Run(b.Build(), seed: 15, training: true);
    }

    [Fact]
    public void BatchNormalization_inference_gradient_matches_finite_differences()
    {
        var random = new Random(16);
        var b = new GraphBuilder(opset: 13);
        string y = b.Op("BatchNormalization", [
            b.Initializer("x", Uniform(random, [2, 3, 4])),
            b.Initializer("scale", Uniform(random, [3], 0.5f, 1.5f)),
            b.Initializer("bias", Uniform(random, [3])),
            b.Initializer("mean", Uniform(random, [3])),
            b.Initializer("var", Uniform(random, [3], 0.5f, 1.5f))]);
        b.Output(y);
        GradientCheck.Run(b.Build(), seed: 16);
    }

    [Fact]
    public void LayerNormalization_gradient_matches_finite_differences()
    {
        var random = new Random(17);
        var b = new GraphBuilder(opset: 17);
        string y = b.Op("LayerNormalization", [
            b.Initializer("x", Uniform(random, [3, 2, 5])),
            b.Initializer("scale", Uniform(random, [2, 5], 0.5f, 1.5f)),
            b.Initializer("bias", Uniform(random, [2, 5]))],
            new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Of(1L) });
        b.Output(y);
        GradientCheck.Run(b.Build(), seed: 17);
    }

    [Fact]
    public void Softmax_before_opset_13_coerces_to_2d_and_matches_finite_differences()
    {
        var b = new GraphBuilder(opset: 11);
        string y = b.Op("Softmax", [b.Initializer("x", Uniform(new Random(18), [2, 3, 4]))], new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Of(1L) });
        b.Output(y);
        GradientCheck.Run(b.Build(), seed: 18);
    }

    [Fact]
    public void Shape_ops_gradient_matches_finite_differences()
    {
        var random = new Random(19);
        var b = new GraphBuilder(opset: 13);
        int constants = 0;
        string x = b.Initializer("x", Uniform(random, [2, 3, 4]));
        string other = b.Initializer("other", Uniform(random, [2, 3, 2]));
        string t = b.Op("Transpose", [x], new Dictionary<string, AttributeValue> { ["perm"] = AttributeValue.Of(2L, 0L, 1L) });
        string r = b.Op("Reshape", [t, b.Initializer("shape", Tensor.FromArray(new long[] { 2, -1, 3 }, 3))]);
        string c = b.Op("Concat", [b.Op("Transpose", [r], new Dictionary<string, AttributeValue> { ["perm"] = AttributeValue.Of(0L, 2L, 1L) }), other], new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Of(2L) });
        string s = b.Op("Slice", [c, I64(0, 1), I64(2, 6), I64(1, 2), I64(1, 2)]);
        string g = b.Op("Gather", [s, b.Initializer("idx", Tensor.FromArray(new long[] { 1, 0, 1 }, 3))], new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Of(1L) });
        string u = b.Op("Unsqueeze", [g, I64(0)]);
        string q = b.Op("Squeeze", [u, I64(0)]);
        string f = b.Op("Flatten", [q], new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Of(1L) });
        string m = b.Op("Mul", [f, f]);
        b.Output(m);
        GradientCheck.Run(b.Build(), seed: 19, samples: 48);

        string I64(params long[] v) => b.Initializer($"i64_{constants++}", Tensor.FromArray(v, v.Length));
    }

    [Fact]
    public void Resize_nearest_gradient_matches_finite_differences()
    {
        var b = new GraphBuilder(opset: 13);
        string y = b.Op("Resize", [b.Initializer("x", Uniform(new Random(20), [1, 2, 3, 3])), "", b.Initializer("scales", Tensor.FromArray(new[] { 1f, 1f, 2f, 1.5f }, 4))],
            new Dictionary<string, AttributeValue> { ["mode"] = AttributeValue.Of("nearest") });
        b.Output(y);
        GradientCheck.Run(b.Build(), seed: 20);
    }

    [Fact]
    public void Op_without_backward_rule_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        string y = b.Op("ReduceMax", [b.Initializer("x", Uniform(new Random(21), [2, 3]))]);
        b.Output(y);
        var error = Assert.Throws<Core.EdgePruneException>(() => new Training.Autograd.AutogradEngine(b.Build(), ["x"]));
        Assert.Contains("ReduceMax 'ReduceMax_0'", error.Message, StringComparison.Ordinal);
    }

    internal static Tensor Uniform(Random random, int[] shape, float low = -1f, float high = 1f) => TestTensors.Uniform(random, shape, low, high);

    /// <summary>Moves values lying within 0.05 of a kink to 0.1 past it, so a finite-difference step never straddles one.</summary>
    private static Tensor AwayFromKinks(Tensor x, float[] kinks)
    {
        var data = x.ToFloatArray();
        for (int i = 0; i < data.Length; i++)
        {
            foreach (float k in kinks)
            {
                if (Math.Abs(data[i] - k) < 0.05f)
                {
                    data[i] = k + 0.1f;
                }
            }
        }

        return Tensor.FromArray(data, x.Shape.ToArray());
    }

    /// <summary>Values 0.1 apart in random order, so no pooling window has two maxima within a finite-difference step.</summary>
    private static Tensor Distinct(Random random, int[] shape)
    {
        int count = shape.Aggregate(1, (p, d) => p * d);
        var data = Enumerable.Range(0, count).Select(i => i * 0.1f - count * 0.05f).OrderBy(_ => random.Next()).ToArray();
        return Tensor.FromArray(data, shape);
    }
}
