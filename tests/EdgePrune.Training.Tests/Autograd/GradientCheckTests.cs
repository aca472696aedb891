using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using EdgePrune.Training.Backward;

namespace EdgePrune.Training.Tests.Autograd;

/// <summary>
/// Every backward rule against float64 central finite differences (see <see cref="GradientCheck"/>), on shapes,
/// attributes and values drawn from a seed per case. <see cref="Every_backward_rule_has_a_gradient_check"/> fails
/// when a rule is added to <see cref="RuleSet"/> without a case here.
/// </summary>
public class GradientCheckTests
{
    private static readonly string[] UnaryOps = ["Relu", "LeakyRelu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Neg", "Abs", "HardSigmoid", "HardSwish", "Identity", "Dropout"];

    private static readonly IReadOnlyDictionary<string, GradientCase> Cases = AllCases().ToDictionary(c => c.Name, StringComparer.Ordinal);

    public static TheoryData<string> CaseNames => new(Cases.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Gradient_matches_float64_central_differences(string name)
    {
        var check = Cases[name];
        GradientCheck.Run(check.Build(), check.Seed, check.Training, check.Samples);
    }

    [Fact]
    public void Every_backward_rule_has_a_gradient_check()
    {
        var checkedOps = Cases.Values.SelectMany(c => c.Build().Nodes.Select(n => n.OpType)).ToHashSet(StringComparer.Ordinal);
        var missing = RuleSet.SupportedOps.Where(op => !checkedOps.Contains(op)).ToArray();
        Assert.True(missing.Length == 0, $"backward rules without a gradient check: {string.Join(", ", missing)}");
        Assert.Contains(Cases.Values, c => c.Training && c.Build().Nodes.Any(n => n.OpType == "BatchNormalization"));
    }

    [Fact]
    public void Op_without_backward_rule_is_rejected_naming_the_node()
    {
        var b = new GraphBuilder(opset: 13);
        string y = b.Op("ReduceMax", [b.Initializer("x", TestTensors.Uniform(new Random(21), [2, 3], -1f, 1f))]);
        b.Output(y);
        var error = Assert.Throws<Core.EdgePruneException>(() => new Training.Autograd.AutogradEngine(b.Build(), ["x"]));
        Assert.Contains("ReduceMax 'ReduceMax_0'", error.Message, StringComparison.Ordinal);
    }

    /// <summary>One check: a graph of initializers only (every float one is differentiated), built afresh from <see cref="Seed"/>.</summary>
    internal sealed record GradientCase(string Name, int Seed, Func<Random, Graph> Builder, bool Training = false, int Samples = 24)
    {
        public Graph Build() => Builder(new Random(Seed));
    }

    private static IEnumerable<GradientCase> AllCases()
    {
        foreach (string op in UnaryOps)
        {
            for (int seed = 1; seed <= 2; seed++)
            {
                yield return new($"{op} #{seed}", seed, r => Unary(r, op));
            }
        }

        for (int seed = 1; seed <= 2; seed++)
        {
            yield return new($"Clip #{seed}", seed, Clip);
        }

        foreach (string op in (string[])["Add", "Sub", "Mul", "Div", "Pow"])
        {
            for (int seed = 1; seed <= 3; seed++)
            {
                yield return new($"{op} broadcast #{seed}", seed, r => Binary(r, op));
            }
        }

        for (int seed = 1; seed <= 6; seed++)
        {
            yield return new($"Gemm #{seed}", seed, Gemm);
            yield return new($"MatMul #{seed}", seed, MatMul);
        }

        for (int seed = 1; seed <= 12; seed++)
        {
            yield return new($"Conv #{seed}", seed, Conv);
        }

        for (int seed = 1; seed <= 4; seed++)
        {
            yield return new($"MaxPool #{seed}", seed, r => Pool(r, "MaxPool"));
            yield return new($"AveragePool #{seed}", seed, r => Pool(r, "AveragePool"));
            yield return new($"GlobalAveragePool #{seed}", seed, GlobalAveragePool);
            yield return new($"BatchNormalization training #{seed}", seed, BatchNormalization, Training: true);
            yield return new($"BatchNormalization inference #{seed}", seed, BatchNormalization);
            yield return new($"LayerNormalization #{seed}", seed, LayerNormalization);
            yield return new($"Softmax #{seed}", seed, r => Softmax(r, "Softmax", opset: 13));
            yield return new($"LogSoftmax #{seed}", seed, r => Softmax(r, "LogSoftmax", opset: 13));
            yield return new($"Softmax opset 11 #{seed}", seed, r => Softmax(r, "Softmax", opset: 11));
            yield return new($"LogSoftmax opset 11 #{seed}", seed, r => Softmax(r, "LogSoftmax", opset: 11));
        }

        yield return new("Transpose Reshape Concat Slice Gather Unsqueeze Squeeze Flatten", 19, MovingOps, Samples: 48);
        yield return new("Split", 20, Split);
        yield return new("Resize nearest", 21, Resize);
    }

    private static int[] RandomShape(Random r, int minRank, int maxRank, int maxDim = 4) =>
        Enumerable.Range(0, r.Next(minRank, maxRank + 1)).Select(_ => r.Next(1, maxDim + 1)).ToArray();

    private static Tensor Uniform(Random r, int[] shape, float low = -1f, float high = 1f) => TestTensors.Uniform(r, shape, low, high);

    private static Dictionary<string, AttributeValue> Attributes(params (string Name, AttributeValue Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    private static AttributeValue Ints(IEnumerable<int> values) => AttributeValue.Of(values.Select(v => (long)v).ToArray());

    private static Graph Unary(Random r, string op)
    {
        var b = new GraphBuilder(opset: 13);
        bool positive = op is "Log" or "Sqrt";
        var x = Uniform(r, RandomShape(r, 1, 4), positive ? 0.5f : -4f, positive ? 2f : 4f);
        b.Output(b.Op(op, [b.Initializer("x", AwayFromKinks(x, [0f, -3f, 3f, -2.5f, 2.5f]))]));
        return b.Build();
    }

    private static Graph Clip(Random r)
    {
        var b = new GraphBuilder(opset: 13);
        float low = -0.5f - r.NextSingle(), high = 0.5f + r.NextSingle();
        var x = AwayFromKinks(Uniform(r, RandomShape(r, 1, 3, 6), -2f, 2f), [low, high]);
        b.Output(b.Op("Clip", [b.Initializer("x", x), b.Initializer("lo", Tensor.Scalar(low)), b.Initializer("hi", Tensor.Scalar(high))]));
        return b.Build();
    }

    /// <summary>Two operands that broadcast to a random shape: each keeps a random suffix of its axes, some set to 1.</summary>
    private static Graph Binary(Random r, string op)
    {
        var shape = RandomShape(r, 1, 4);
        int[] Operand() => shape[r.Next(shape.Length)..].Select(d => r.Next(3) == 0 ? 1 : d).ToArray();
        var b = new GraphBuilder(opset: 13);
        // Div and Pow need a base away from 0 (Pow's ∂/∂b is aᵇ·ln a, defined for a > 0).
        float low = op is "Div" or "Pow" ? 0.5f : -1.5f;
        b.Output(b.Op(op, [b.Initializer("a", Uniform(r, Operand(), low, 1.5f)), b.Initializer("b", Uniform(r, Operand(), op == "Div" ? 0.5f : -1.5f, 1.5f))]));
        return b.Build();
    }

    private static Graph Gemm(Random r)
    {
        int m = r.Next(1, 9), k = r.Next(1, 12), n = r.Next(1, 20);
        bool transA = r.Next(2) == 1, transB = r.Next(2) == 1;
        int[][] biasShapes = [[], [n], [1, n], [m, 1], [m, n]];
        var b = new GraphBuilder(opset: 13);
        var attributes = Attributes(
            ("transA", AttributeValue.Of(transA ? 1L : 0L)),
            ("transB", AttributeValue.Of(transB ? 1L : 0L)),
            ("alpha", AttributeValue.Of(0.5f + r.NextSingle())),
            ("beta", AttributeValue.Of(0.5f + r.NextSingle())));
        string[] inputs = [b.Initializer("a", Uniform(r, transA ? [k, m] : [m, k])), b.Initializer("w", Uniform(r, transB ? [n, k] : [k, n]))];
        if (r.Next(4) > 0)
        {
            inputs = [.. inputs, b.Initializer("c", Uniform(r, biasShapes[r.Next(biasShapes.Length)]))];
        }

        b.Output(b.Op("Gemm", inputs, attributes));
        return b.Build();
    }

    /// <summary>numpy matmul: a 1-D operand on either side, or batches that broadcast.</summary>
    private static Graph MatMul(Random r)
    {
        int m = r.Next(1, 6), k = r.Next(1, 9), n = r.Next(1, 7);
        var batch = RandomShape(r, 0, 2, 3);
        int[] aShape, bShape;
        switch (r.Next(3))
        {
            case 0:
                (aShape, bShape) = ([k], [.. batch, k, n]);
                break;
            case 1:
                (aShape, bShape) = ([.. batch, m, k], [k]);
                break;
            default:
                var aBatch = batch.Select(d => r.Next(3) == 0 ? 1 : d).ToArray();
                (aShape, bShape) = ([.. aBatch, m, k], [.. batch[r.Next(batch.Length + 1)..], k, n]);
                break;
        }

        var b = new GraphBuilder(opset: 13);
        b.Output(b.Op("MatMul", [b.Initializer("a", Uniform(r, aShape)), b.Initializer("b", Uniform(r, bShape))]));
        return b.Build();
    }

    /// <summary>1-D or 2-D; groups 1, a divisor, or depthwise; strides 1–3; dilations 1–2; asymmetric explicit pads or an auto_pad mode; bias or none.</summary>
    private static Graph Conv(Random r)
    {
        int spatial = r.Next(1, 3);
        int groups = r.Next(1, 4);
        bool depthwise = r.Next(3) == 0;
        int groupChannels = depthwise ? 1 : r.Next(1, 3);
        int channels = groups * groupChannels;
        int outputs = groups * (depthwise ? 1 : r.Next(1, 3));
        var kernel = Enumerable.Range(0, spatial).Select(_ => r.Next(1, 4)).ToArray();
        var strides = Enumerable.Range(0, spatial).Select(_ => r.Next(1, 4)).ToArray();
        var dilations = Enumerable.Range(0, spatial).Select(_ => r.Next(1, 3)).ToArray();
        var input = kernel.Select((k, d) => (k - 1) * dilations[d] + 1 + r.Next(0, 5)).ToArray();
        var attributes = Attributes(("group", AttributeValue.Of((long)groups)), ("strides", Ints(strides)), ("dilations", Ints(dilations)));
        string[] autoPads = ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"];
        string autoPad = autoPads[r.Next(autoPads.Length)];
        if (autoPad == "NOTSET")
        {
            attributes["pads"] = Ints(Enumerable.Range(0, 2 * spatial).Select(_ => r.Next(0, 3)));
        }
        else
        {
            attributes["auto_pad"] = AttributeValue.Of(autoPad);
        }

        var b = new GraphBuilder(opset: 13);
        string[] inputs = [b.Initializer("x", Uniform(r, [r.Next(1, 3), channels, .. input])), b.Initializer("w", Uniform(r, [outputs, groupChannels, .. kernel]))];
        if (r.Next(3) > 0)
        {
            inputs = [.. inputs, b.Initializer("bias", Uniform(r, [outputs]))];
        }

        b.Output(b.Op("Conv", inputs, attributes));
        return b.Build();
    }

    /// <summary>1-D or 2-D windows with random kernel, strides and pads (each pad smaller than its kernel); AveragePool with and without count_include_pad.</summary>
    private static Graph Pool(Random r, string op)
    {
        int spatial = r.Next(1, 3);
        var kernel = Enumerable.Range(0, spatial).Select(_ => r.Next(1, 4)).ToArray();
        var strides = Enumerable.Range(0, spatial).Select(_ => r.Next(1, 3)).ToArray();
        var pads = Enumerable.Range(0, 2 * spatial).Select(i => r.Next(0, kernel[i % spatial])).ToArray();
        var input = kernel.Select(k => k + r.Next(0, 4)).ToArray();
        var attributes = Attributes(("kernel_shape", Ints(kernel)), ("strides", Ints(strides)), ("pads", Ints(pads)));
        if (op == "AveragePool")
        {
            attributes["count_include_pad"] = AttributeValue.Of((long)r.Next(2));
        }

        var b = new GraphBuilder(opset: 13);
        b.Output(b.Op(op, [b.Initializer("x", Distinct(r, [r.Next(1, 3), r.Next(1, 3), .. input]))], attributes));
        return b.Build();
    }

    private static Graph GlobalAveragePool(Random r)
    {
        var b = new GraphBuilder(opset: 13);
        b.Output(b.Op("GlobalAveragePool", [b.Initializer("x", Uniform(r, [r.Next(1, 3), r.Next(1, 4), .. RandomShape(r, 1, 2, 5)]))]));
        return b.Build();
    }

    private static Graph BatchNormalization(Random r)
    {
        int channels = r.Next(1, 4);
        var b = new GraphBuilder(opset: 13);
        b.Output(b.Op("BatchNormalization", [
            b.Initializer("x", Uniform(r, [r.Next(2, 5), channels, .. RandomShape(r, 0, 2)])),
            b.Initializer("scale", Uniform(r, [channels], 0.5f, 1.5f)),
            b.Initializer("bias", Uniform(r, [channels])),
            b.Initializer("mean", Uniform(r, [channels])),
            b.Initializer("var", Uniform(r, [channels], 0.5f, 1.5f))],
            Attributes(("epsilon", AttributeValue.Of(1e-3f)))));
        return b.Build();
    }

    private static Graph LayerNormalization(Random r)
    {
        var shape = RandomShape(r, 2, 4, 5);
        int axis = r.Next(1, shape.Length);
        var b = new GraphBuilder(opset: 17);
        b.Output(b.Op("LayerNormalization", [
            b.Initializer("x", Uniform(r, shape)),
            b.Initializer("scale", Uniform(r, shape[axis..], 0.5f, 1.5f)),
            b.Initializer("bias", Uniform(r, shape[axis..]))],
            Attributes(("axis", AttributeValue.Of((long)(r.Next(2) == 0 ? axis : axis - shape.Length))))));
        return b.Build();
    }

    private static Graph Softmax(Random r, string op, int opset)
    {
        var shape = RandomShape(r, 1, 4, 5);
        int axis = r.Next(-shape.Length, shape.Length);
        var b = new GraphBuilder(opset: opset);
        b.Output(b.Op(op, [b.Initializer("x", Uniform(r, shape, -2f, 2f))], Attributes(("axis", AttributeValue.Of((long)axis)))));
        return b.Build();
    }

    /// <summary>A chain of the ops that only move elements, ending in Mul so that each element's gradient depends on its value.</summary>
    private static Graph MovingOps(Random r)
    {
        var b = new GraphBuilder(opset: 13);
        int constants = 0;
        string x = b.Initializer("x", Uniform(r, [2, 3, 4]));
        string other = b.Initializer("other", Uniform(r, [2, 3, 2]));
        string t = b.Op("Transpose", [x], Attributes(("perm", AttributeValue.Of(2L, 0L, 1L))));
        string reshaped = b.Op("Reshape", [t, I64(2, -1, 3)]);
        string c = b.Op("Concat", [b.Op("Transpose", [reshaped], Attributes(("perm", AttributeValue.Of(0L, 2L, 1L)))), other], Attributes(("axis", AttributeValue.Of(-1L))));
        string s = b.Op("Slice", [c, I64(0, -5), I64(2, 6), I64(1, 2), I64(1, 2)]);
        string g = b.Op("Gather", [s, I64(1, 0, -1)], Attributes(("axis", AttributeValue.Of(1L))));
        string u = b.Op("Unsqueeze", [g, I64(0)]);
        string q = b.Op("Squeeze", [u, I64(0)]);
        string f = b.Op("Flatten", [q], Attributes(("axis", AttributeValue.Of(1L))));
        b.Output(b.Op("Mul", [f, f]));
        return b.Build();

        string I64(params long[] v) => b.Initializer($"i64_{constants++}", Tensor.FromArray(v, v.Length));
    }

    private static Graph Split(Random r)
    {
        var b = new GraphBuilder(opset: 13);
        string[] parts = b.Node("Split", [b.Initializer("x", Uniform(r, [3, 7, 2])), b.Initializer("sizes", Tensor.FromArray(new long[] { 2, 4, 1 }, 3))], 3,
            Attributes(("axis", AttributeValue.Of(1L))));
        string weighted = b.Op("Mul", [parts[1], parts[1]]);
        b.Output(b.Op("Concat", [parts[2], weighted, parts[0]], Attributes(("axis", AttributeValue.Of(1L)))));
        return b.Build();
    }

    private static Graph Resize(Random r)
    {
        var b = new GraphBuilder(opset: 13);
        b.Output(b.Op("Resize", [b.Initializer("x", Uniform(r, [1, 2, 3, 3])), "", b.Initializer("scales", Tensor.FromArray(new[] { 1f, 1f, 2f, 1.5f }, 4))],
            Attributes(
                ("mode", AttributeValue.Of("nearest")),
                ("coordinate_transformation_mode", AttributeValue.Of("asymmetric")),
                ("nearest_mode", AttributeValue.Of("floor")))));
        return b.Build();
    }

    /// <summary>Moves values lying within 0.05 of a kink to 0.1 past it.</summary>
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
    private static Tensor Distinct(Random r, int[] shape)
    {
        int count = shape.Aggregate(1, (p, d) => p * d);
        var data = Enumerable.Range(0, count).Select(i => i * 0.1f - count * 0.05f).OrderBy(_ => r.Next()).ToArray();
        return Tensor.FromArray(data, shape);
    }
}
