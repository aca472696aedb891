using BenchmarkDotNet.Attributes;
using EdgePrune.Compression.Pruning;
using EdgePrune.Compression.Quantization;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Export.Epb;
using EdgePrune.Runtime;

namespace EdgePrune.Bench;

/// <summary>
/// One inference of the committed CNNs, batch 1, one thread: LeNet-5 and the 1-D gesture CNN the Pi service runs
/// (gesture.onnx, [1, 6, T] IMU windows), each as committed and 90 % magnitude-pruned per layer, fp32 and int8, against
/// ONNX Runtime on the committed fp32 model. Run:
/// <c>dotnet run -c Release --project bench/EdgePrune.Bench -- --filter '*CnnRuntimeBenchmarks*'</c>
/// </summary>
[Config(typeof(RuntimeBenchmarks.ShortInProcess))]
[MemoryDiagnoser]
public class CnnRuntimeBenchmarks
{
    private float[] _input = [];
    private float[] _output = [];
    private sbyte[] _inputInt8 = [];
    private sbyte[] _outputInt8 = [];
    private EpbModel _denseFp32 = null!;
    private EpbModel _denseInt8 = null!;
    private EpbModel _sparseFp32 = null!;
    private EpbModel _sparseInt8 = null!;
    private OrtBaseline _ort = null!;

    [Params("lenet5", "gesture")]
    public string Model { get; set; } = "lenet5";

    [GlobalSetup]
    public void Setup()
    {
        var graph = OnnxImporter.Load(Repository.SampleModel($"{Model}.onnx")).Graph;
        var sparse = MagnitudePruner.Prune(graph, new PruningOptions { Sparsity = 0.9f }).Graph;
        _denseFp32 = EpbModel.Load(EpbWriter.Write(graph).Bytes);
        _sparseFp32 = EpbModel.Load(EpbWriter.Write(sparse).Bytes);
        _denseInt8 = Int8(graph);
        _sparseInt8 = Int8(sparse);
        var info = _denseFp32.Inputs[0];
        _input = RandomInputs(info.ElementCount, 1, seed: 3);
        _output = new float[_denseFp32.Outputs[0].ElementCount];
        var int8Input = _denseInt8.Inputs[0];
        _inputInt8 = _input.Select(v => (sbyte)Math.Clamp(Math.Round(v / int8Input.Scale) + int8Input.ZeroPoint, -128, 127)).ToArray();
        _outputInt8 = new sbyte[_denseInt8.Outputs[0].ElementCount];

        _ort = new OrtBaseline(graph, _input, _output);
    }

    [GlobalCleanup]
    public void Cleanup() => _ort.Dispose();

    [Benchmark(Baseline = true, Description = "ORT fp32")]
    public void OnnxRuntimeFp32() => _ort.Run();

    [Benchmark(Description = "epb fp32")]
    public void EpbFp32() => _denseFp32.Run(_input, _output);

    [Benchmark(Description = "epb int8")]
    public void EpbInt8() => _denseInt8.Run(_inputInt8, _outputInt8);

    [Benchmark(Description = "epb 90% sparse fp32")]
    public void EpbSparseFp32() => _sparseFp32.Run(_input, _output);

    [Benchmark(Description = "epb 90% sparse int8")]
    public void EpbSparseInt8() => _sparseInt8.Run(_inputInt8, _outputInt8);

    // Calibrated on seeded uniform inputs in [0, 1), the distribution the benchmark feeds: speed does not depend on the scales.
    private static EpbModel Int8(Graph graph)
    {
        var shape = CalibrationData.SampleShape(CalibrationData.SingleInput(graph));
        int size = shape.Aggregate(1, (a, b) => a * b);
        var calibration = Tensor.FromArray(RandomInputs(size, 64, seed: 5), [64, .. shape]);
        var quantized = Quantizer.Quantize(graph, calibration, new QuantizationOptions());
        return EpbModel.Load(EpbWriter.Write(quantized.Graph, new EpbWriteOptions { Quantization = EpbQuantizationBuilder.From(quantized) }).Bytes);
    }

    private static float[] RandomInputs(int size, int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, size * count).Select(_ => (float)random.NextDouble()).ToArray();
    }
}

/// <summary>Finds the repository's samples from the benchmark's working directory, wherever BenchmarkDotNet runs it.</summary>
internal static class Repository
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgePrune.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"run the benchmarks from inside the EdgePrune repository (no EdgePrune.sln above {Environment.CurrentDirectory})");
    });

    public static string SampleModel(string file) => Path.Combine(Root.Value, "samples", "models", file);

}
