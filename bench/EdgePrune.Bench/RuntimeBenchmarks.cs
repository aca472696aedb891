using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgePrune.Export.Epb;
using EdgePrune.Runtime;

namespace EdgePrune.Bench;

/// <summary>
/// One inference of LeNet-300-100 (784-300-100-10), batch 1, one thread: the EdgePrune runtime (dense, 90 %-sparse one
/// weight at a time, and 90 %-sparse in row blocks of 8/4 inputs; fp32 and int8) against ONNX Runtime on the dense fp32 model, the baseline. Run:
/// <c>dotnet run -c Release --project bench/EdgePrune.Bench -- --filter '*.RuntimeBenchmarks.*'</c>
/// </summary>
[Config(typeof(ShortInProcess))]
[MemoryDiagnoser]
public class RuntimeBenchmarks
{
    private readonly float[] _input = Enumerable.Range(0, 784).Select(i => (float)Math.Sin(i)).ToArray();
    private readonly float[] _output = new float[10];
    private readonly sbyte[] _inputInt8 = new sbyte[784];
    private readonly sbyte[] _outputInt8 = new sbyte[10];
    private EpbModel _denseFp32 = null!;
    private EpbModel _sparseFp32 = null!;
    private EpbModel _denseInt8 = null!;
    private EpbModel _sparseInt8 = null!;
    private EpbModel _blockFp32 = null!;
    private EpbModel _blockInt8 = null!;
    private OrtBaseline _ort = null!;

    internal sealed class ShortInProcess : ManualConfig
    {
        public ShortInProcess() =>
            AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithIterationCount(10).WithWarmupCount(3));
    }

    [GlobalSetup]
    public void Setup()
    {
        var dense = RuntimeBenchModels.Mlp(0);
        var sparse = RuntimeBenchModels.Mlp(0.9);
        _denseFp32 = EpbModel.Load(EpbWriter.Write(dense).Bytes);
        _sparseFp32 = EpbModel.Load(EpbWriter.Write(sparse).Bytes);
        _denseInt8 = EpbModel.Load(EpbWriter.Write(dense, new EpbWriteOptions { Quantization = RuntimeBenchModels.Quantize(dense) }).Bytes);
        _sparseInt8 = EpbModel.Load(EpbWriter.Write(sparse, new EpbWriteOptions { Quantization = RuntimeBenchModels.Quantize(sparse) }).Bytes);
        var blocks = RuntimeBenchModels.Mlp(0.9, rowBlocks: true);
        _blockFp32 = EpbModel.Load(EpbWriter.Write(blocks).Bytes);
        _blockInt8 = EpbModel.Load(EpbWriter.Write(blocks, new EpbWriteOptions { Quantization = RuntimeBenchModels.Quantize(blocks) }).Bytes);
        var info = _denseInt8.Inputs[0];
        for (int i = 0; i < _input.Length; i++)
        {
            _inputInt8[i] = (sbyte)Math.Clamp(Math.Round(_input[i] / info.Scale) + info.ZeroPoint, -128, 127);
        }

        _ort = new OrtBaseline(dense, _input, _output);
    }

    [GlobalCleanup]
    public void Cleanup() => _ort.Dispose();

    [Benchmark(Baseline = true, Description = "ORT dense fp32")]
    public void OnnxRuntimeDenseFp32() => _ort.Run();

    [Benchmark(Description = "epb dense fp32")]
    public void EpbDenseFp32() => _denseFp32.Run(_input, _output);

    [Benchmark(Description = "epb 90% sparse fp32")]
    public void EpbSparseFp32() => _sparseFp32.Run(_input, _output);

    [Benchmark(Description = "epb dense int8")]
    public void EpbDenseInt8() => _denseInt8.Run(_inputInt8, _outputInt8);

    [Benchmark(Description = "epb 90% sparse int8")]
    public void EpbSparseInt8() => _sparseInt8.Run(_inputInt8, _outputInt8);

    [Benchmark(Description = "epb 90% row blocks fp32")]
    public void EpbRowBlocksFp32() => _blockFp32.Run(_input, _output);

    [Benchmark(Description = "epb 90% row blocks int8")]
    public void EpbRowBlocksInt8() => _blockInt8.Run(_inputInt8, _outputInt8);
}
