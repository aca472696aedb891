using EdgePrune.Core.Ir;
using EdgePrune.Export.Epb;
using EdgePrune.TestSupport;
using static EdgePrune.Runtime.Tests.TestGraphs;

namespace EdgePrune.Runtime.Tests;

/// <summary>int8 models written from tensors quantized here per DESIGN.md "Numerics", run end to end.</summary>
public class Int8ModelTests
{
    [Fact]
    public void Int8_fully_connected_gives_the_hand_computed_codes()
    {
        // Channel 0: acc = 1·2 + 2·(−4) + 10 = 4; 4 · (0.5·0.1/0.25 = 0.2) = 0.8 → 1, + zero point 5 = 6.
        // Channel 1: acc = 3·2 + (−1)·(−4) − 20 = −10; −10 · (0.5·0.2/0.25 = 0.4) = −4 → −4 + 5 = 1.
        var b = new GraphBuilder(opset: 13);
        string x = b.Input("x", DataType.Float, 1, 2);
        string y = b.Op("Gemm", [x, b.Initializer("w", Tensor.FromArray(new float[] { 0.1f, 0.2f, 0.6f, -0.2f }, 2, 2)), b.Initializer("b", Tensor.FromArray(new float[] { 0.5f, -2f }, 2))],
            Attrs(("transB", AttributeValue.Of(1L))));
        b.Output(y);
        var q = new EpbQuantization();
        q.Activations[x] = QuantParams.PerTensor(0.5f, 0);
        q.Activations[y] = QuantParams.PerTensor(0.25f, 5);
        q.Weights["w"] = new QuantizedWeight([1, 2, 3, -1], [2, 2], new QuantParams([0.1f, 0.2f], [0, 0], 0));
        q.Biases["b"] = [10, -20];
        var model = RuntimeHarness.Load(b.Build(), new EpbWriteOptions { Quantization = q });
        var output = new sbyte[2];
        model.Run(new sbyte[] { 2, -4 }, output);
        Assert.Equal(new sbyte[] { 6, 1 }, output);
    }

    [Theory]
    [InlineData(31, 0.0)]
    [InlineData(32, 0.9)]
    public void Int8_mlp_stays_within_a_few_output_steps_of_OnnxRuntime_fp32(int seed, double sparsity)
    {
        var random = new Random(seed);
        var graph = Mlp(random, [64, 48, 10], sparsity);
        string hidden = graph.Nodes[1].Outputs[0], output = graph.Outputs[0].Name;
        var calibration = graph with { Outputs = [new ValueInfo(hidden, TensorType.Of(DataType.Float, 1, 48)), graph.Outputs[0] with { Type = TensorType.Of(DataType.Float, 1, 10) }] };
        var ranges = new Dictionary<string, (float Min, float Max)> { ["x"] = (-1f, 1f) };
        var inputs = Enumerable.Range(0, 16).Select(_ => TestTensors.Uniform(random, [1, 64])).ToList();
        foreach (var input in inputs)
        {
            foreach (var (name, value) in OrtOracle.Run(calibration, new Dictionary<string, Tensor> { ["x"] = input }))
            {
                var v = value.ToFloatArray();
                var (lo, hi) = ranges.GetValueOrDefault(name, (0f, 0f));
                ranges[name] = (Math.Min(lo, v.Min()), Math.Max(hi, v.Max()));
            }
        }

        var q = new EpbQuantization();
        foreach (var (name, (lo, hi)) in ranges)
        {
            float scale = (hi - lo) / 255f;
            q.Activations[name] = QuantParams.PerTensor(scale, (int)Math.Round(-128 - (lo / scale)));
        }

        foreach (var w in new[] { "w1", "w2" })
        {
            var t = graph.Initializers[w];
            bool transB = w == "w2";
            int rows = t.Shape[0], cols = t.Shape[1];
            int channels = transB ? rows : cols;
            var data = t.ToFloatArray();
            float At(int c, int i) => transB ? data[(c * cols) + i] : data[(i * cols) + c];
            var scales = Enumerable.Range(0, channels)
                .Select(c => Enumerable.Range(0, transB ? cols : rows).Max(i => MathF.Abs(At(c, i))) / 127f)
                .Select(s => s > 0 ? s : 1f) // an all-zero channel still needs a scale its bias can be expressed in
                .ToArray();
            var codes = data.Select((v, i) => (sbyte)Math.Round(v / scales[transB ? i / cols : i % cols], MidpointRounding.AwayFromZero)).ToArray();
            q.Weights[w] = new QuantizedWeight(codes, [rows, cols], new QuantParams(scales, new int[channels], transB ? 0 : 1));
        }

        var model = RuntimeHarness.Load(graph, new EpbWriteOptions { Quantization = q });
        Assert.Equal(Runtime.Format.EpbDataType.Int8, model.Inputs[0].DataType);
        float outScale = q.Activations[output].Scales[0];
        foreach (var input in inputs.Take(4))
        {
            var expected = OrtOracle.Run(graph, new Dictionary<string, Tensor> { ["x"] = input })[output].ToFloatArray();
            var actual = new float[10];
            model.Run(input.ToFloatArray(), actual);
            float maxDiff = expected.Zip(actual, (e, a) => MathF.Abs(e - a)).Max();
            Assert.True(maxDiff <= 4 * outScale, $"int8 output differs from fp32 by {maxDiff}, more than 4 output steps of {outScale}");
        }
    }
}

public class EpbSizeTests
{
    [Fact]
    public void Sparse_int8_LeNet_300_100_file_is_within_10_percent_of_its_weight_encodings()
    {
        var graph = Mlp(new Random(9), [784, 300, 100, 10], 0.9);
        var q = new EpbQuantization();
        foreach (var value in graph.Nodes.SelectMany(n => n.Outputs).Prepend("x"))
        {
            q.Activations[value] = QuantParams.PerTensor(0.05f, 0);
        }

        foreach (var (name, tensor) in graph.Initializers.Where(i => i.Key.StartsWith('w')))
        {
            var data = tensor.ToFloatArray();
            float scale = data.Max(MathF.Abs) / 127f;
            q.Weights[name] = new QuantizedWeight(data.Select(v => (sbyte)MathF.Round(v / scale)).ToArray(), tensor.Shape.ToArray(), QuantParams.PerTensor(scale, 0));
        }

        var report = EpbWriter.Write(graph, new EpbWriteOptions { Quantization = q }).Report;
        long weights = report.Weights.Sum(w => w.Bytes);
        var w1 = report.Weights.Single(w => w.Tensor == "w1");
        // At 90 % sparsity the smallest exact layout of int8 weights is a 1-bit mask per element plus one byte per nonzero.
        Assert.Equal((235_200 / 8) + w1.Nonzeros, w1.Bytes);
        Assert.True(report.TotalBytes <= weights * 1.10, $"file {report.TotalBytes} bytes, weights {weights}: overhead above 10 %");
    }
}
