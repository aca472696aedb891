using EdgePrune.Compression.Quantization;
using EdgePrune.Core.Ir;
using EdgePrune.TestSupport;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Quantization;

/// <summary>
/// The integer executor against ONNX Runtime running the QDQ export (float DequantizeLinear → op → QuantizeLinear):
/// int8 outputs within 1 LSB and identical argmax. docs/quantization.md explains where the two round differently.
/// </summary>
public class IntegerExecutorVsOrtTests(ITestOutputHelper output)
{
    public static TheoryData<string, int, WeightPrecision> Cases()
    {
        var data = new TheoryData<string, int, WeightPrecision>();
        foreach (string graph in new[] { "mlp", "cnn", "depthwise", "residual", "lenet" })
        {
            foreach (int seed in new[] { 1, 2, 3 })
            {
                data.Add(graph, seed, WeightPrecision.Int8);
            }

            data.Add(graph, 4, WeightPrecision.Int4);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Integer_executor_matches_OnnxRuntime_on_the_QDQ_export_within_one_LSB(string which, int seed, WeightPrecision weights)
    {
        var random = new Random(seed);
        var graph = which switch
        {
            "mlp" => TestGraphs.Mlp(random),
            "cnn" => TestGraphs.SmallCnn(random),
            "depthwise" => TestGraphs.Depthwise(random),
            "lenet" => TestGraphs.PyTorchStyleLeNet(random),
            _ => TestGraphs.Residual(random),
        };
        var sampleShape = graph.Inputs[0].Type.Shape!.Skip(1).Select(d => (int)d.Value!.Value).ToArray();
        var calibration = TestGraphs.Samples(random, 16, sampleShape);
        var model = Quantizer.Quantize(graph, calibration, new QuantizationOptions { Weights = weights });
        Assert.All(model.Steps.Where(s => s.Weights is not null), s => Assert.Equal(weights == WeightPrecision.Int4 ? 4 : 8, s.Weights!.Bits));

        var test = TestGraphs.Samples(random, 24, sampleShape, -1.2f, 1.2f);
        var (ortInt8, executorInt8) = RunBoth(model, test);
        int rows = test.Shape[0];
        int maxDiff = 0, differing = 0;
        for (int i = 0; i < ortInt8.Length; i++)
        {
            int d = Math.Abs(ortInt8[i] - executorInt8[i]);
            maxDiff = Math.Max(maxDiff, d);
            differing += d > 0 ? 1 : 0;
        }

        output.WriteLine($"{which} seed {seed} {weights}: {differing}/{ortInt8.Length} int8 outputs differ, max {maxDiff} LSB");
        Assert.True(maxDiff <= 1, $"{which}: int8 outputs differ by up to {maxDiff} LSB");
        int width = ortInt8.Length / rows;
        for (int r = 0; r < rows; r++)
        {
            Assert.Equal(ArgMax(ortInt8.AsSpan(r * width, width)), ArgMax(executorInt8.AsSpan(r * width, width)));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_int8_step_fed_OnnxRuntime_inputs_matches_OnnxRuntime_within_one_LSB(string which, int seed, WeightPrecision weights)
    {
        // Isolates each step: the executor's kernel gets exactly the int8 inputs ORT computed, so a difference is that
        // op's rounding alone, not a flip carried from upstream.
        var random = new Random(seed);
        var graph = which switch
        {
            "mlp" => TestGraphs.Mlp(random),
            "cnn" => TestGraphs.SmallCnn(random),
            "depthwise" => TestGraphs.Depthwise(random),
            "lenet" => TestGraphs.PyTorchStyleLeNet(random),
            _ => TestGraphs.Residual(random),
        };
        var sampleShape = graph.Inputs[0].Type.Shape!.Skip(1).Select(d => (int)d.Value!.Value).ToArray();
        var model = Quantizer.Quantize(graph, TestGraphs.Samples(random, 16, sampleShape), new QuantizationOptions { Weights = weights });
        var qdq = QdqExporter.ToGraph(model);
        qdq = qdq with { Outputs = qdq.Outputs.AddRange(model.Activations.Keys.Select(n => new ValueInfo(QdqExporter.QuantizedName(n), new TensorType(DataType.Int8, null)))) };
        var test = TestGraphs.Samples(random, 24, sampleShape, -1.2f, 1.2f);
        var ort = OrtOracle.Run(qdq, new Dictionary<string, Tensor> { [model.InputName] = test });
        var executor = new IntegerExecutor(model);
        for (int i = 0; i < model.Steps.Length; i++)
        {
            var step = model.Steps[i];
            var expected = ort[QdqExporter.QuantizedName(step.Output)].Span<sbyte>().ToArray();
            var actual = executor.RunStep(i, [.. step.Inputs.Select(n => ort[QdqExporter.QuantizedName(n)])]).Span<sbyte>().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            int maxDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            int differing = expected.Zip(actual, (e, a) => e != a ? 1 : 0).Sum();
            output.WriteLine($"{step.Describe()}: {differing}/{expected.Length} differ, max {maxDiff} LSB");
            Assert.True(maxDiff <= 1, $"{step.Describe()}: {maxDiff} LSB from ORT");
        }
    }

    /// <summary>Runs the QDQ export in ORT (reading the int8 QuantizeLinear output of the graph output) and the integer executor.</summary>
    internal static (sbyte[] Ort, sbyte[] Executor) RunBoth(QuantizedModel model, Tensor input)
    {
        var qdq = QdqExporter.WithInt8Outputs(QdqExporter.ToGraph(model));
        string outputName = model.Graph.Outputs[0].Name;
        string int8Name = QdqExporter.QuantizedName(outputName);
        var ort = OrtOracle.Run(qdq, new Dictionary<string, Tensor> { [model.InputName] = input })[int8Name];
        var executor = new IntegerExecutor(model).Run(input)[outputName];
        Assert.Equal(ort.Shape.ToArray(), executor.Shape.ToArray());
        return (ort.Span<sbyte>().ToArray(), executor.Span<sbyte>().ToArray());
    }

    internal static int ArgMax(ReadOnlySpan<sbyte> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
