using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Core.Ops;
using EdgePrune.Export.Epb;
using EdgePrune.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgePrune.Cli.Commands;

/// <summary>
/// <c>edgeprune bench MODEL.onnx|MODEL.epb [--reference MODEL.onnx] [--runs N]</c>: latency distribution (one thread,
/// batch 1) and bytes allocated per run of the EdgePrune runtime, and of ONNX Runtime on the ONNX model (given, or the
/// reference of an .epb) on the same seeded input, with their ratio. An .onnx model is exported to .epb in memory first.
/// </summary>
public static class BenchCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<string>("MODEL") { Description = "an .onnx model (exported to .epb in memory) or an .epb file" };
        var reference = new Option<string?>("--reference") { Description = "for an .epb: the .onnx model to time in ONNX Runtime" };
        var runs = new Option<int>("--runs") { Description = "timed runs of each engine (after as many warm-up runs, at most 1000)", DefaultValueFactory = _ => 1000 };
        var command = new Command("bench", "time the EdgePrune runtime against ONNX Runtime on one model, batch 1, one thread")
        {
            model, reference, runs,
        };
        command.SetAction(parse => CommandRunner.Run(stderr, () =>
            Execute(parse.GetRequiredValue(model), parse.GetValue(reference), parse.GetValue(runs), stdout)));
        return command;
    }

    public static int Execute(string modelPath, string? referencePath, int runs, TextWriter stdout)
    {
        if (runs < 1)
        {
            throw new EdgePruneException($"--runs {runs}: give at least 1");
        }

        bool isEpb = modelPath.EndsWith(".epb", StringComparison.OrdinalIgnoreCase);
        byte[]? onnx = isEpb ? (referencePath is null ? null : ModelFile.ReadBytes(referencePath)) : ModelFile.ReadBytes(modelPath);
        Graph? graph = onnx is null ? null : OnnxImporter.Load(onnx, referencePath ?? modelPath).Graph;
        EpbModel runtime;
        try
        {
            runtime = EpbModel.Load(isEpb ? ModelFile.ReadBytes(modelPath) : EpbWriter.Write(graph!).Bytes);
        }
        catch (EpbFormatException e)
        {
            throw new EdgePruneException($"{modelPath}: not a valid .epb file: {e.Message}", e);
        }

        if (runtime.Inputs.Count != 1 || runtime.Outputs.Count != 1)
        {
            throw new EdgePruneException($"{modelPath}: bench handles models with one input and one output");
        }

        var random = new Random(0);
        var input = Enumerable.Range(0, runtime.Inputs[0].ElementCount).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        var output = new float[runtime.Outputs[0].ElementCount];
        for (int i = 0; i < Math.Min(runs, 1000); i++)
        {
            runtime.Run(input, output);
        }

        var (epbTimes, allocatedPerRun) = Time(runs, () => runtime.Run(input, output));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{modelPath}: {runs} runs each, batch 1, one thread");
        text.AppendLine("engine            p50 us    p90 us    p99 us   mean us   bytes/run");
        text.AppendLine(Row("EdgePrune .epb", epbTimes, allocatedPerRun));
        if (graph is not null)
        {
            var typed = ShapeInference.Infer(graph, modelPath);
            string inputName = typed.Inputs.Single(i => !typed.Initializers.ContainsKey(i.Name)).Name;
            using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
            using var session = new InferenceSession(OnnxExporter.ToBytes(new Model { Graph = typed }), options);
            using var ortInput = OrtValue.CreateTensorValueFromMemory(input, runtime.Inputs[0].Shape.Select(d => (long)d).ToArray());
            using var ortOutput = OrtValue.CreateTensorValueFromMemory(output, runtime.Outputs[0].Shape.Select(d => (long)d).ToArray());
            using var runOptions = new RunOptions();
            string[] inputNames = [inputName], outputNames = [typed.Outputs[0].Name];
            OrtValue[] inputs = [ortInput], outputs = [ortOutput];
            for (int i = 0; i < Math.Min(runs, 1000); i++)
            {
                session.Run(runOptions, inputNames, inputs, outputNames, outputs);
            }

            var (ortTimes, ortAllocated) = Time(runs, () => session.Run(runOptions, inputNames, inputs, outputNames, outputs));
            text.AppendLine(Row("ONNX Runtime", ortTimes, ortAllocated));
            text.AppendLine(CultureInfo.InvariantCulture, $"ratio (p50, EdgePrune / ONNX Runtime): {Percentile(epbTimes, 0.5) / Percentile(ortTimes, 0.5):0.00}");
        }

        stdout.Write(text.ToString());
        return 0;
    }

    /// <summary>Sorted latencies in microseconds and managed bytes allocated per run (the timing loop itself allocates nothing).</summary>
    private static (double[] Sorted, double BytesPerRun) Time(int runs, Action run)
    {
        var times = new double[runs];
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        double bytesPerRun = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)runs;
        Array.Sort(times);
        return (times, bytesPerRun);
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static string Row(string engine, double[] sorted, double bytesPerRun) => string.Create(CultureInfo.InvariantCulture,
        $"{engine,-14}{Percentile(sorted, 0.5),9:0.0} {Percentile(sorted, 0.9),9:0.0} {Percentile(sorted, 0.99),9:0.0} {sorted.Average(),9:0.0} {bytesPerRun,11:0}");
}
