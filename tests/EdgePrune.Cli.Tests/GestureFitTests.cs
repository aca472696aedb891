using System.Text.Json;
using System.Text.RegularExpressions;
using EdgePrune.Compression.Quantization;
using EdgePrune.Core.Data;
using EdgePrune.Core.Inspection;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Device.Models;
using EdgePrune.Simulation.Gestures;
using EdgePrune.TestSupport;

namespace EdgePrune.Cli.Tests;

/// <summary>
/// Issue 9: the gesture model fitted to a Raspberry Pi Pico, judged on windows of people the model never saw (generator
/// seeds 9001-9003), cut as scripts/gesture-data.cs cuts them; ONNX Runtime scores the written QDQ model.
/// </summary>
public sealed partial class GestureFitTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Gesture_model_fits_raspberry_pi_pico_and_OnnxRuntime_on_the_QDQ_file_scores_held_out_windows_as_reported()
    {
        string modelPath = RepositoryPaths.SampleModel("gesture.onnx");
        var model = OnnxImporter.Load(modelPath);
        var spec = WindowSpec.FromJson(model.Metadata[WindowSpec.MetadataKey], modelPath);
        var (eval, labels) = Windows(spec, 9001, 9002, 9003);
        var (calib, _) = Windows(spec, 1, 2);
        Npy.Write(_dir.File("eval.npy"), eval);
        Npy.Write(_dir.File("labels.npy"), Tensor.FromArray(labels, labels.Length));
        Npy.Write(_dir.File("calib.npy"), calib);
        string output = _dir.File("pico");

        var run = CliRun.Of("fit", modelPath, "--device", "raspberry-pi-pico", "--eval", _dir.File("eval.npy"), "--labels", _dir.File("labels.npy"),
            "--calib", _dir.File("calib.npy"), "-o", output);

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "report.json")));
        var root = json.RootElement;
        var after = root.GetProperty("after");
        // Flash = the .epb file + the runtime kernels the written C export calls, summed from RuntimeCode's table.
        string source = File.ReadAllText(Path.Combine(output, "c", "model_model.c"));
        var kernels = KernelCall().Matches(source).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Contains("ep_conv_s8", kernels);
        Assert.Equal(new FileInfo(Path.Combine(output, "model.epb")).Length + RuntimeCode.Bytes(kernels), after.GetProperty("flash_bytes").GetInt64());
        Assert.True(after.GetProperty("flash_bytes").GetInt64() <= root.GetProperty("budget").GetProperty("flash_bytes").GetInt64());
        Assert.True(after.GetProperty("ram_bytes").GetInt64() <= root.GetProperty("budget").GetProperty("ram_bytes").GetInt64());

        var qdq = File.ReadAllBytes(Path.Combine(output, "model.onnx"));
        string input = model.Graph.Inputs[0].Name;
        var logits = OrtOracle.Run(qdq, new Dictionary<string, Tensor> { [input] = eval }).Values.Single().ToFloatArray();
        int classes = logits.Length / labels.Length;
        int right = Enumerable.Range(0, labels.Length).Count(i => QuantizationEvaluation.ArgMax<float>(logits.AsSpan(i * classes, classes)) == labels[i]);
        double reported = root.GetProperty("final_score").GetDouble();
        // The integer executor and ONNX Runtime may round one LSB apart: at most two windows decided otherwise.
        Assert.InRange(Math.Abs(right - reported * labels.Length), 0, 2 + 1e-6);
        Assert.True(root.GetProperty("drop_points").GetDouble() <= 0.5, $"dropped {root.GetProperty("drop_points").GetDouble()} pt");
    }

    public void Dispose() => _dir.Dispose();

    private static (Tensor Windows, long[] Labels) Windows(WindowSpec spec, params int[] seeds)
    {
        var traces = seeds.Select(seed => GestureTraceGenerator.Generate(new GestureTraceOptions(seed, 60, spec.RateHz)));
        var (features, labels) = LabelledWindows.Cut(traces, spec, GestureLabels.All, spec.Hop);
        return (Tensor.FromArray(features, labels.Length, spec.Channels.Count, spec.Length), labels);
    }

    [GeneratedRegex(@"\(int\)(ep_\w+)\(")]
    private static partial Regex KernelCall();
}
