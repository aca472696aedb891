using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;
using EdgePrune.Export.Epb;
using EdgePrune.TestSupport;
using static EdgePrune.Runtime.Tests.TestGraphs;

namespace EdgePrune.Runtime.Tests;

/// <summary>int8 Conv, Relu, MaxPool, AveragePool, Add and GlobalAveragePool end to end, quantized here per DESIGN.md "Numerics".</summary>
public class Int8CnnTests
{
    [Fact]
    public void Int8_add_of_a_value_and_its_relu_gives_the_hand_computed_codes()
    {
        // Scales 0.5 everywhere: TFLite Add shifts both inputs left by 20, halves them (multiplier 0.5 against twice the
        // larger scale), sums, and scales back by 1 / (2^20 · 0.5): 3 + relu(3) → 6, −3 + relu(−3) → −3, 1 + 1 → 2.
        var b = new GraphBuilder(opset: 13);
        string x = b.Input("x", DataType.Float, 1, 3);
        string r = b.Op("Relu", [x]);
        string y = b.Op("Add", [x, r]);
        b.Output(y);
        var q = new EpbQuantization();
        foreach (var value in new[] { x, r, y })
        {
            q.Activations[value] = QuantParams.PerTensor(0.5f, 0);
        }

        var model = RuntimeHarness.Load(b.Build(), new EpbWriteOptions { Quantization = q });
        var output = new sbyte[3];
        model.Run(new sbyte[] { 3, -3, 1 }, output);
        Assert.Equal(new sbyte[] { 6, -3, 2 }, output);
    }

    [Fact]
    public void Int8_cnn_stays_within_a_few_output_steps_of_OnnxRuntime_fp32()
    {
        var random = new Random(77);
        var b = new GraphBuilder(opset: 13, name: "cnn8");
        string x = b.Input("x", DataType.Float, 1, 3, 12, 12);
        string c1 = b.Op("Conv", [x, b.Initializer("w1", Pruned(TestTensors.Uniform(random, [8, 3, 3, 3]), 0.5)), b.Initializer("b1", TestTensors.Uniform(random, [8]))],
            Attrs(("pads", AttributeValue.Of(1L, 1L, 1L, 1L))));
        string r1 = b.Op("Relu", [c1]);
        string mp = b.Op("MaxPool", [r1], Attrs(("kernel_shape", AttributeValue.Of(2L, 2L)), ("strides", AttributeValue.Of(2L, 2L))));
        string c2 = b.Op("Conv", [mp, b.Initializer("w2", TestTensors.Uniform(random, [8, 1, 3, 3])), b.Initializer("b2", TestTensors.Uniform(random, [8]))],
            Attrs(("pads", AttributeValue.Of(1L, 1L, 1L, 1L)), ("group", AttributeValue.Of(8L))));
        string sum = b.Op("Add", [mp, c2]);
        string ap = b.Op("AveragePool", [sum], Attrs(("kernel_shape", AttributeValue.Of(2L, 2L)), ("strides", AttributeValue.Of(2L, 2L))));
        string gap = b.Op("GlobalAveragePool", [ap]);
        string flat = b.Op("Flatten", [gap]);
        string fc = b.Op("Gemm", [flat, b.Initializer("wf", TestTensors.Uniform(random, [8, 4])), b.Initializer("bf", TestTensors.Uniform(random, [4]))]);
        b.Output(fc);
        var graph = ShapeInference.Infer(b.Build(), "cnn8");

        var everything = graph with { Outputs = [.. graph.Nodes.SelectMany(n => n.Outputs).Select(o => new ValueInfo(o, graph.TypeOf(o)!))] };
        var inputs = Enumerable.Range(0, 12).Select(_ => TestTensors.Uniform(random, [1, 3, 12, 12])).ToList();
        var ranges = new Dictionary<string, (float Min, float Max)> { [x] = (-1f, 1f) };
        foreach (var input in inputs)
        {
            foreach (var (name, value) in OrtOracle.Run(everything, new Dictionary<string, Tensor> { [x] = input }))
            {
                var v = value.ToFloatArray();
                var (lo, hi) = ranges.GetValueOrDefault(name, (0f, 0f));
                ranges[name] = (Math.Min(lo, v.Min()), Math.Max(hi, v.Max()));
            }
        }

        // Pools, Relu and Flatten keep their input's parameters (as TFLite requires); the others get their own range.
        var q = new EpbQuantization();
        QuantParams Params(string value) => QuantParams.PerTensor((ranges[value].Max - ranges[value].Min) / 255f, (int)Math.Round(-128 - (ranges[value].Min / ((ranges[value].Max - ranges[value].Min) / 255f))));
        foreach (var value in new[] { x, r1, sum, fc })
        {
            q.Activations[value] = Params(value);
        }

        q.Activations[mp] = q.Activations[r1];
        q.Activations[c2] = Params(c2);
        q.Activations[ap] = q.Activations[sum];
        q.Activations[gap] = q.Activations[sum];
        q.Activations[flat] = q.Activations[sum];
        foreach (var name in new[] { "w1", "w2" })
        {
            var t = graph.Initializers[name];
            int channels = t.Shape[0], per = t.ElementCount / channels;
            var data = t.ToFloatArray();
            var scales = Enumerable.Range(0, channels).Select(c => data.Skip(c * per).Take(per).Max(MathF.Abs) / 127f).Select(s => s > 0 ? s : 1f).ToArray();
            q.Weights[name] = new QuantizedWeight(data.Select((v, i) => (sbyte)MathF.Round(v / scales[i / per], MidpointRounding.AwayFromZero)).ToArray(), t.Shape.ToArray(), new QuantParams(scales, new int[channels], 0));
        }

        var export = EpbWriter.Write(graph, new EpbWriteOptions { Quantization = q });
        Assert.All(export.Report.Weights.Where(w => w.Tensor is "w1" or "w2"), w => Assert.Equal("int8", w.DataType));
        var model = EpbModel.Load(export.Bytes);
        float step = q.Activations[fc].Scales[0];
        foreach (var input in inputs.Take(4))
        {
            var expected = OrtOracle.Run(graph, new Dictionary<string, Tensor> { [x] = input })[fc].ToFloatArray();
            var actual = new float[4];
            model.Run(input.ToFloatArray(), actual);
            float maxDiff = expected.Zip(actual, (e, a) => MathF.Abs(e - a)).Max();
            Assert.True(maxDiff <= 6 * step, $"int8 output differs from fp32 by {maxDiff}, more than 6 output steps of {step}");
        }
    }
}
