using BenchmarkDotNet.Attributes;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Training.Architectures;
using EdgePrune.Training.Autograd;
using EdgePrune.Training.Losses;
using EdgePrune.Training.Optimization;
using Microsoft.ML.OnnxRuntime;

namespace EdgePrune.Bench;

/// <summary>
/// One training step (forward, cross-entropy, backward, Adam) of the built-in MNIST models on a batch of 64, reported
/// per sample (so 1 / Mean is samples per second), beside ONNX Runtime's inference of the same model on the same
/// batch as the reference line. Run: dotnet run -c Release --project bench/EdgePrune.Bench -- --filter '*Training*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 15)]
public class TrainingBenchmarks
{
    private const int Batch = 64;

    private AutogradEngine _engine = null!;
    private Adam _optimizer = null!;
    private float[] _input = [];
    private int[] _shape = [];
    private int[] _labels = [];
    private float[] _gradient = [];
    private InferenceSession _session = null!;
    private OrtValue _ortInput = null!;
    private RunOptions _runOptions = null!;

    [Params("lenet-300-100", "lenet5")]
    public string Architecture { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var graph = Training.Architectures.Architecture.Build(Architecture, [28, 28], 10, seed: 1);
        _engine = new AutogradEngine(graph);
        _optimizer = new Adam();
        var random = new Random(1);
        _input = Enumerable.Range(0, Batch * 784).Select(_ => random.NextSingle()).ToArray();
        _labels = Enumerable.Range(0, Batch).Select(_ => random.Next(10)).ToArray();
        _gradient = new float[Batch * 10];
        _shape = Architecture == "lenet5" ? [Batch, 1, 28, 28] : [Batch, 784];
        _session = new InferenceSession(OnnxExporter.ToBytes(new Model { Graph = graph }));
        _ortInput = OrtValue.CreateTensorValueFromMemory(_input, _shape.Select(d => (long)d).ToArray());
        _runOptions = new RunOptions();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ortInput.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public float TrainStep()
    {
        _engine.SetInput(Training.Architectures.Architecture.InputName, _input, _shape);
        _engine.Run(training: true);
        var logits = _engine.OutputSpan(Training.Architectures.Architecture.OutputName, out _);
        Array.Clear(_gradient);
        float loss = CrossEntropyLoss.Compute(logits, 10, _labels, _gradient);
        _engine.Backward(Training.Architectures.Architecture.OutputName, _gradient);
        _optimizer.Step(_engine.Parameters, 1e-4f);
        return loss;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public float OnnxRuntimeInference()
    {
        using var outputs = _session.Run(_runOptions, [Training.Architectures.Architecture.InputName], [_ortInput], [Training.Architectures.Architecture.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }
}
