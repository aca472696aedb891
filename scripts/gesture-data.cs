// Writes the gesture windows `edgeprune fit` / `verify` take as .npy files (deterministic: same seeds, same files):
//   dotnet run scripts/gesture-data.cs -- OUTDIR
// OUTDIR/gesture-eval.npy [N, 6, 50] float32 and gesture-eval-labels.npy [N] int64: the held-out people (seeds
// 9001-9010, 60 s each, a window every 10 frames), as scripts/gesture-model.cs measures the committed model;
// OUTDIR/gesture-calib.npy: windows of five training people (seeds 1-5, every 10 frames) for activation ranges.
// Windows are cut by LabelledWindows (src/EdgePrune.Device/Models), as the device cuts them.
// The window spec (length, channels, normalization) is read from samples/models/gesture.onnx's metadata.
#:project ../src/EdgePrune.Core/EdgePrune.Core.csproj
#:project ../src/EdgePrune.Device/EdgePrune.Device.csproj
#:property NoWarn=NU1603
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
using EdgePrune.Core.Data;
using EdgePrune.Core.Onnx;
using EdgePrune.Device.Models;
using EdgePrune.Simulation.Gestures;
using Tensor = EdgePrune.Core.Ir.Tensor;

string folder = AppContext.GetData("EntryPointFileDirectoryPath") as string
    ?? throw new InvalidOperationException("Run this file with 'dotnet run scripts/gesture-data.cs -- OUTDIR'.");
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: dotnet run scripts/gesture-data.cs -- OUTDIR");
    return 2;
}

string modelPath = Path.GetFullPath(Path.Combine(folder, "..", "samples", "models", "gesture.onnx"));
var spec = WindowSpec.FromJson(OnnxImporter.Load(modelPath).Metadata[WindowSpec.MetadataKey], modelPath);
var classes = GestureLabels.All.ToList();
Directory.CreateDirectory(args[0]);

var (eval, labels) = Windows(Enumerable.Range(9001, 10));
Npy.Write(Path.Combine(args[0], "gesture-eval.npy"), eval);
Npy.Write(Path.Combine(args[0], "gesture-eval-labels.npy"), labels);
var (calib, _) = Windows(Enumerable.Range(1, 5));
Npy.Write(Path.Combine(args[0], "gesture-calib.npy"), calib);
Console.WriteLine($"wrote {eval.Shape[0]} held-out windows (seeds 9001-9010) and {calib.Shape[0]} calibration windows (seeds 1-5) to {args[0]}");
return 0;

(Tensor Windows, Tensor Labels) Windows(IEnumerable<int> seeds)
{
    var traces = seeds.Select(seed => GestureTraceGenerator.Generate(new GestureTraceOptions(seed, 60, spec.RateHz)));
    var (features, labels) = LabelledWindows.Cut(traces, spec, classes, spec.Hop);
    return (Tensor.FromArray(features, [labels.Length, spec.Channels.Count, spec.Length]), Tensor.FromArray(labels, [labels.Length]));
}
