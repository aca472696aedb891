// Trains, prunes, fine-tunes and int8-quantizes the gesture model of samples/models/ and measures it on held-out
// people (deterministic: same seeds, same files).
//   dotnet run scripts/gesture-model.cs
// Writes samples/models/gesture.onnx (pruned fp32, window spec in its metadata) and gesture-int8.epb (pruned int8,
// window spec in its producer string), and prints the window accuracy of ONNX Runtime and of the .epb runtime.
#:project ../src/EdgePrune.Core/EdgePrune.Core.csproj
#:project ../src/EdgePrune.Training/EdgePrune.Training.csproj
#:project ../src/EdgePrune.Compression/EdgePrune.Compression.csproj
#:project ../src/EdgePrune.Export/EdgePrune.Export.csproj
#:project ../src/EdgePrune.Device/EdgePrune.Device.csproj
#:property NoWarn=NU1603
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
using System.Collections.Immutable;
using System.Diagnostics;
using EdgePrune.Compression.Pruning;
using EdgePrune.Compression.Quantization;
using EdgePrune.Core.Ir;
using EdgePrune.Core.IO;
using EdgePrune.Core.Onnx;
using EdgePrune.Device.Models;
using EdgePrune.Export.Epb;
using EdgePrune.Runtime;
using EdgePrune.Sensors.Traces;
using EdgePrune.Simulation.Gestures;
using EdgePrune.Training;
using EdgePrune.Training.Architectures;
using EdgePrune.Training.Data;
using Microsoft.ML.OnnxRuntime;
using Tensor = EdgePrune.Core.Ir.Tensor;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

string folder = AppContext.GetData("EntryPointFileDirectoryPath") as string
    ?? throw new InvalidOperationException("Run this file with 'dotnet run scripts/gesture-model.cs'.");
string models = Path.GetFullPath(Path.Combine(folder, "..", "samples", "models"));

const int Length = 50, TrainHop = 5, TestHop = 10;
const double RateHz = 100, Sparsity = 0.6;
// Training people are seeds 1..40 (60 s each); held-out people are seeds 9001..9010, never seen in training, the same
// seeds the device's end-to-end test replays.
int[] trainSeeds = [.. Enumerable.Range(1, 40)];
int[] testSeeds = [.. Enumerable.Range(9001, 10)];
var classes = GestureLabels.All;
int channels = GestureTraceGenerator.Channels.Length;

var trainTraces = trainSeeds.Select(s => GestureTraceGenerator.Generate(new GestureTraceOptions(s, 60, RateHz))).ToList();
var (mean, std) = ChannelStatistics(trainTraces);
var spec = new WindowSpec(Length, TestHop, RateHz, GestureTraceGenerator.Channels, mean, std);
var train = Windows(trainTraces, TrainHop, "generated gestures, seeds 1-40");
var test = Windows(testSeeds.Select(s => GestureTraceGenerator.Generate(new GestureTraceOptions(s, 60, RateHz))).ToList(), TestHop, "held-out seeds 9001-9010");
Console.WriteLine($"windows: {train.Count} training, {test.Count} held-out; classes {string.Join(", ", classes)}");

var clock = Stopwatch.StartNew();
var dense = new Trainer(Architecture.Build("conv1d-small", [channels, Length], classes.Count, seed: 7),
    new TrainingOptions { Epochs = 12, BatchSize = 64, LearningRate = 3e-3f, Seed = 7 })
    .Fit(train, onEpoch: r => Console.WriteLine($"train epoch {r.Epoch}/{r.Epochs}: loss {r.Loss:F4}"));
Console.WriteLine($"dense: {Trainer.Evaluate(dense.Graph, test):P2} held-out (reference executor), {clock.Elapsed.TotalSeconds:F0} s");

var pruned = MagnitudePruner.Prune(dense.Graph, new PruningOptions { Sparsity = (float)Sparsity, Scope = PruningScope.Layer });
Console.WriteLine($"pruned {pruned.Report.Sparsity:P1}: {Trainer.Evaluate(pruned.Graph, test):P2} held-out before fine-tuning");
var tuned = PruningRecovery.Finetune(pruned.Graph, train, new TrainingOptions { Epochs = 4, BatchSize = 64, LearningRate = 1e-3f, Seed = 8 },
    onEpoch: r => Console.WriteLine($"fine-tune epoch {r.Epoch}/{r.Epochs}: loss {r.Loss:F4}")).Graph;

var model = new Model
{
    Graph = tuned with { Name = "gesture" },
    ProducerName = "EdgePrune",
    Metadata = ImmutableDictionary<string, string>.Empty.Add(WindowSpec.MetadataKey, spec.ToJson()).Add("edgeprune.labels", string.Join(",", classes)),
};
byte[] onnx = OnnxExporter.ToBytes(model);
AtomicFile.WriteAllBytes(Path.Combine(models, "gesture.onnx"), onnx);

var calibration = Tensor.FromArray(train.Features, [train.Count, channels, Length]);
var quantized = Quantizer.Quantize(model.Graph, calibration, new QuantizationOptions { Calibration = new CalibrationOptions { MaxSamples = 1000 } });
var export = EpbWriter.Write(quantized.Graph, new EpbWriteOptions
{
    SourceModel = onnx,
    Quantization = EpbQuantizationBuilder.From(quantized),
    Labels = classes,
    Producer = spec.ToProducer("EdgePrune gesture conv1d-small"),
});
AtomicFile.WriteAllBytes(Path.Combine(models, "gesture-int8.epb"), export.Bytes);
Console.WriteLine($"wrote gesture.onnx ({onnx.Length} bytes) and gesture-int8.epb ({export.Report.TotalBytes} bytes, arena {export.Report.ArenaBytes} bytes)");

Console.WriteLine($"held-out window accuracy: ONNX Runtime (pruned fp32) {OrtAccuracy(onnx, test):P2}, .epb runtime (pruned int8) {EpbAccuracy(export.Bytes, test):P2} on {test.Count} windows");

static (float[] Mean, float[] Std) ChannelStatistics(IReadOnlyList<SensorTrace> traces)
{
    int c = traces[0].Channels.Count;
    var sum = new double[c];
    var squares = new double[c];
    long n = 0;
    foreach (var row in traces.SelectMany(t => t.Rows))
    {
        for (int k = 0; k < c; k++)
        {
            sum[k] += row[k];
            squares[k] += (double)row[k] * row[k];
        }

        n++;
    }

    var mean = sum.Select(s => (float)(s / n)).ToArray();
    var std = squares.Select((q, k) => (float)Math.Sqrt(q / n - (sum[k] / n) * (sum[k] / n))).ToArray();
    return (mean, std);
}

// Windows cut as the device cuts them (LabelledWindows, the cutting scripts/gesture-data.cs and the tests use).
Dataset Windows(IReadOnlyList<SensorTrace> traces, int hop, string source)
{
    var (features, labels) = LabelledWindows.Cut(traces, spec, classes, hop);
    return Dataset.FromTensors(Tensor.FromArray(features, [labels.Length, channels, Length]), Tensor.FromArray(labels, [labels.Length]), source);
}

static double OrtAccuracy(byte[] onnx, Dataset data)
{
    using var session = new InferenceSession(onnx);
    int correct = 0;
    for (int i = 0; i < data.Count; i++)
    {
        var input = new DenseTensor(data.Sample(i).ToArray(), [1, .. data.SampleShape]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputNames[0], input)]);
        var logits = results[0].AsTensor<float>().ToArray();
        correct += Array.IndexOf(logits, logits.Max()) == data.Labels![i] ? 1 : 0;
    }

    return (double)correct / data.Count;
}

static double EpbAccuracy(byte[] epb, Dataset data)
{
    var model = EpbModel.Load(epb);
    var scores = new float[model.Outputs[0].ElementCount];
    int correct = 0;
    for (int i = 0; i < data.Count; i++)
    {
        model.Run(data.Sample(i), scores);
        correct += Array.IndexOf(scores, scores.Max()) == data.Labels![i] ? 1 : 0;
    }

    return (double)correct / data.Count;
}
