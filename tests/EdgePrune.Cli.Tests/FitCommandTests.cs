using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgePrune.Cli.Commands;
using EdgePrune.Compression.Quantization;
using EdgePrune.Core.Data;
using EdgePrune.Core.Inspection;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;

namespace EdgePrune.Cli.Tests;

/// <summary>Small MNIST slices as .npy files and one fit of LeNet-300-100 to a 64 KB flash budget, shared by the facts below.</summary>
public sealed class FitCliFixture : IDisposable
{
    private readonly TempDirectory _dir = new();

    public FitCliFixture()
    {
        var model = OnnxImporter.Load(RepositoryPaths.SampleModel("lenet-300-100.onnx")).Graph;
        var test = CalibrationData.ForInput(model, DataFiles.Load(RepositoryPaths.Mnist("test-images-idx3-ubyte.gz")), "test");
        var train = CalibrationData.ForInput(model, DataFiles.Load(RepositoryPaths.Mnist("train-images-idx3-ubyte.gz")), "train");
        Npy.Write(Eval = _dir.File("eval.npy"), CalibrationData.Slice(test, 0, 300));
        Npy.Write(Labels = _dir.File("labels.npy"), Tensor.FromArray(DataFiles.Load(RepositoryPaths.Mnist("test-labels-idx1-ubyte.gz")).ToInt64Array()[..300], 300));
        Npy.Write(Train = _dir.File("train.npy"), CalibrationData.Slice(train, 0, 600));
        Npy.Write(TrainLabels = _dir.File("train-labels.npy"), Tensor.FromArray(DataFiles.Load(RepositoryPaths.Mnist("train-labels-idx1-ubyte.gz")).ToInt64Array()[..600], 600));
        Out = _dir.File("fit");
        Run = CliRun.Of([.. Args("fit", RepositoryPaths.SampleModel("lenet-300-100.onnx"), "--device", "arduino-nano-33-ble-sense", "-o", Out),
            "--flash-budget", "64000", "--train", Train, "--train-labels", TrainLabels, "--epochs", "1", "--lr", "1e-3", "--max-drop", "20",
            "--search-samples", "100", "--sparsities", "0.9,0.95", "--nm", "none"]);
    }

    public string Eval { get; }

    public string Labels { get; }

    public string Train { get; }

    public string TrainLabels { get; }

    public string Out { get; }

    internal CliRun Run { get; }

    public string File(string name) => _dir.File(name);

    /// <summary>The command, the model and output, then the evaluation data every fit and report here uses.</summary>
    public string[] Args(string command, string model, params string[] rest) => [command, model, .. rest, "--eval", Eval, "--labels", Labels];

    public void Dispose() => _dir.Dispose();
}

public sealed class FitCommandTests(FitCliFixture fit) : IClassFixture<FitCliFixture>
{
    [Fact]
    public void Fit_exits_0_and_writes_the_models_and_the_three_reports()
    {
        Assert.True(fit.Run.ExitCode == 0, fit.Run.Stdout + fit.Run.Stderr);
        foreach (string file in new[] { "model.onnx", "model.epb", "c/model_model.h", "c/model_model.c", "c/model_size.md", "model-fp32.onnx", "report.html", "report.md", "report.json" })
        {
            Assert.True(File.Exists(Path.Combine(fit.Out, file)), file);
        }

        Assert.StartsWith("fits arduino-nano-33-ble-sense", fit.Run.StdoutLines[0], StringComparison.Ordinal);
        Assert.Contains(fit.Run.StderrLines, l => l.StartsWith("edgeprune: sensitivity: ", StringComparison.Ordinal));
        Assert.Contains(fit.Run.StderrLines, l => l.StartsWith("edgeprune: recovery: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Report_json_numbers_are_the_files_and_OnnxRuntime_on_the_written_QDQ_model()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(fit.Out, "report.json")));
        var root = json.RootElement;
        long epbBytes = new FileInfo(Path.Combine(fit.Out, "model.epb")).Length;

        // Flash = the .epb + the runtime kernels the written C export calls (summed from RuntimeCode's measured table).
        string source = File.ReadAllText(Path.Combine(fit.Out, "c", "model_model.c"));
        var kernels = Regex.Matches(source, @"\(int\)(ep_\w+)\(").Select(m => m.Groups[1].Value).Distinct().ToList();
        long runtimeCode = root.GetProperty("after").GetProperty("runtime_code_bytes").GetInt64();
        Assert.Equal(RuntimeCode.Bytes(kernels), runtimeCode);
        Assert.Equal(epbBytes + runtimeCode, root.GetProperty("after").GetProperty("flash_bytes").GetInt64());
        Assert.True(epbBytes + runtimeCode <= 64_000);
        Assert.Equal(64_000, root.GetProperty("budget").GetProperty("flash_bytes").GetInt64());
        byte[] qdq = File.ReadAllBytes(Path.Combine(fit.Out, "model.onnx"));
        var model = OnnxImporter.Load(qdq, "model.onnx").Graph;
        var eval = DataFiles.Load(fit.Eval);
        var labels = DataFiles.Load(fit.Labels).ToInt64Array();
        var logits = OrtOracle.Run(qdq, new Dictionary<string, Tensor> { [model.Inputs[0].Name] = eval })[model.Outputs[0].Name].ToFloatArray();
        int right = Enumerable.Range(0, labels.Length).Count(i => QuantizationEvaluation.ArgMax<float>(logits.AsSpan(i * 10, 10)) == labels[i]);
        Assert.Equal((double)right / labels.Length, root.GetProperty("onnxruntime_qdq_score").GetDouble(), 6);
        Assert.InRange(Math.Abs(root.GetProperty("final_score").GetDouble() - root.GetProperty("onnxruntime_qdq_score").GetDouble()), 0, 2.0 / labels.Length);
        Assert.Single(root.GetProperty("candidates").EnumerateArray(), c => c.GetProperty("chosen").GetBoolean());
        // LeNet-300-100's arena (1,088 bytes) fits the Nano's RAM, so no channel or neuron was removed.
        Assert.Equal(0, root.GetProperty("structured").GetProperty("fraction").GetDouble());
        Assert.Empty(root.GetProperty("structured").GetProperty("groups").EnumerateArray());
        Assert.Equal(300, root.GetProperty("confusion").EnumerateArray().Sum(row => row.EnumerateArray().Sum(v => v.GetInt32())));
    }

    [Fact]
    public void Markdown_carries_the_same_numbers_as_the_json()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(fit.Out, "report.json")));
        var root = json.RootElement;
        string md = File.ReadAllText(Path.Combine(fit.Out, "report.md"));

        Assert.Contains(Percent(root.GetProperty("final_score").GetDouble()), md, StringComparison.Ordinal);
        Assert.Contains(Percent(root.GetProperty("original_score").GetDouble()), md, StringComparison.Ordinal);
        Assert.Contains(Percent(root.GetProperty("onnxruntime_qdq_score").GetDouble()), md, StringComparison.Ordinal);
        Assert.Contains(Bytes(root.GetProperty("after").GetProperty("flash_bytes").GetInt64()), md, StringComparison.Ordinal);
        foreach (var layer in root.GetProperty("layers").EnumerateArray())
        {
            string row = md.Split('\n').SkipWhile(l => l != "## Layers").TakeWhile(l => !l.StartsWith("## Sensitivity", StringComparison.Ordinal))
                .Single(l => l.StartsWith($"| {layer.GetProperty("node").GetString()} | ", StringComparison.Ordinal));
            Assert.Contains($"| {Bytes(layer.GetProperty("weight_bytes").GetInt64())} |", row, StringComparison.Ordinal);
            Assert.Contains($"| {Bytes(layer.GetProperty("nonzeros").GetInt64())} |", row, StringComparison.Ordinal);
            Assert.Contains($"| {Percent(layer.GetProperty("sparsity").GetDouble())} |", row, StringComparison.Ordinal);
            Assert.Contains($"| {layer.GetProperty("encoding").GetString()} |", row, StringComparison.Ordinal);
        }

        foreach (var candidate in root.GetProperty("candidates").EnumerateArray())
        {
            Assert.Contains($"| {Bytes(candidate.GetProperty("flash_bytes").GetInt64())} |", md, StringComparison.Ordinal);
        }

        var confusion = root.GetProperty("confusion").EnumerateArray().ToList();
        string firstRow = md.Split('\n').SkipWhile(l => !l.StartsWith("## Confusion", StringComparison.Ordinal)).First(l => l.StartsWith("| 0 |", StringComparison.Ordinal));
        Assert.Equal("| " + string.Join(" | ", new[] { "0" }.Concat(confusion[0].EnumerateArray().Select(v => v.GetInt32().ToString(CultureInfo.InvariantCulture)))) + " |", firstRow);
        Assert.Contains("edgeprune fit ", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_renders_in_headless_chromium_without_console_errors_with_both_plots_and_a_screenshot()
    {
        string html = Path.Combine(fit.Out, "report.html");
        string text = File.ReadAllText(html);
        Assert.DoesNotContain("http://", text.Replace("http://www.w3.org/", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", text, StringComparison.Ordinal);

        var dom = Chromium(html, "--dump-dom");
        Assert.Contains("id=\"pareto-plot\"", dom.Stdout, StringComparison.Ordinal);
        Assert.Contains("id=\"sensitivity-plot\"", dom.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, dom.Stdout.Split("src=\"data:image/svg+xml;base64,").Length - 1);
        Assert.Contains("id=\"confusion\"", dom.Stdout, StringComparison.Ordinal);

        string screenshot = Path.Combine(RepositoryPaths.Root, "TestResults", "fit-report.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        File.Delete(screenshot);
        var shot = Chromium(html, $"--screenshot={screenshot}", "--window-size=1200,2400");
        Assert.True(new FileInfo(screenshot).Length > 10_000, shot.Stderr);
        foreach (var run in new[] { dom, shot })
        {
            Assert.DoesNotContain(run.Stderr.Split('\n'), l => l.Contains("CONSOLE", StringComparison.Ordinal) || l.Contains("Failed to load resource", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Report_of_the_fitted_fp32_model_gives_the_same_sizes_and_exits_0()
    {
        string dir = fit.File("report");
        var run = CliRun.Of(fit.Args("report", Path.Combine(fit.Out, "model-fp32.onnx"), "--device", "arduino-nano-33-ble-sense", "-o", dir, "--calib", fit.Train));

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json")));
        Assert.Equal("fits", json.RootElement.GetProperty("status").GetString());
        Assert.True(File.Exists(Path.Combine(dir, "report.html")));
        Assert.True(File.Exists(Path.Combine(dir, "report.md")));
        // Every layer is int8 here (the fit may have chosen int4), so sizes differ; but the zeros of the fp32 file are all kept.
        var fp32 = OnnxImporter.Load(File.ReadAllBytes(Path.Combine(fit.Out, "model-fp32.onnx")), "model-fp32.onnx").Graph;
        foreach (var layer in json.RootElement.GetProperty("layers").EnumerateArray())
        {
            long nonzeros = fp32.Initializers[layer.GetProperty("weight").GetString()!].ToFloatArray().LongCount(v => v != 0f);
            Assert.InRange(layer.GetProperty("nonzeros").GetInt64(), 0, nonzeros);
        }
    }

    [Fact]
    public void Fit_to_arduino_uno_without_structured_removal_exits_3_at_once_naming_RAM_and_a_device_that_holds_it()
    {
        string dir = fit.File("uno");
        var run = CliRun.Of(fit.Args("fit", RepositoryPaths.SampleModel("lenet-300-100.onnx"), "--device", "arduino-uno", "--structured", "none", "-o", dir));

        Assert.Equal(3, run.ExitCode);
        Assert.StartsWith("edgeprune: cannot fit arduino-uno: RAM: the int8 activation arena takes 1,088 bytes", run.StderrLines[^2], StringComparison.Ordinal);
        Assert.StartsWith("edgeprune: instead: ", run.StderrLines[^1], StringComparison.Ordinal);
        // "At once" (no calibration, sweep or search) is asserted on the stages FitSearch runs, not by a clock (FitSearchTests).
        Assert.False(Directory.Exists(dir));
    }

    [Theory]
    [InlineData("--time-budget", "soon", "is not a duration")]
    [InlineData("--min-accuracy", "97", "a fraction between 0 and 1")]
    [InlineData("--sparsities", "0.5,1.5", "not a fraction in (0, 1)")]
    [InlineData("--nm", "3:4", "unknown sparsity pattern")]
    [InlineData("--structured", "0.2,1", "--structured: '1' is not a fraction in (0, 1)")]
    [InlineData("--device", "arduino-mega", "unknown device 'arduino-mega'")]
    public void Bad_requests_exit_2_with_one_line(string option, string value, string expected)
    {
        string[] args = [.. fit.Args("fit", RepositoryPaths.SampleModel("lenet-300-100.onnx"), "-o", fit.File("bad"), option, value)];
        if (option != "--device")
        {
            args = [.. args, "--device", "arduino-nano-33-ble-sense"];
        }

        var run = CliRun.Of(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.StderrLines);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_that_do_not_match_the_evaluation_samples_exit_2()
    {
        var run = CliRun.Of("fit", RepositoryPaths.SampleModel("lenet-300-100.onnx"), "--device", "arduino-nano-33-ble-sense", "-o", fit.File("bad2"),
            "--eval", fit.Eval, "--labels", fit.TrainLabels);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"edgeprune: {fit.TrainLabels}: holds 600 labels but {fit.Eval} has 300 samples; they must match one to one", run.Stderr.TrimEnd());
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("45", 45)]
    public void Time_budget_parses_hours_minutes_and_seconds(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), FitCommand.ParseDuration(text));

    private static string Percent(double fraction) => (100 * fraction).ToString("0.00", CultureInfo.InvariantCulture) + " %";

    private static string Bytes(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture);

    private static (string Stdout, string Stderr) Chromium(string html, params string[] args)
    {
        var start = new ProcessStartInfo("chromium") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0" }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        start.ArgumentList.Add(new Uri(html).AbsoluteUri);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("chromium is not installed: apt-get install chromium (.ci/run installs it)", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(120_000), "chromium did not finish in 2 minutes");
            return (stdout.Result, stderr.Result);
        }
    }
}
