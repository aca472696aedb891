using System.Text.RegularExpressions;
using EdgePrune.Compression.Fitting;
using EdgePrune.Compression.Pruning;
using EdgePrune.Compression.Quantization;
using EdgePrune.Compression.Sensitivity;
using EdgePrune.Compression.Tests.Sensitivity;
using EdgePrune.Core.Devices;
using EdgePrune.Core.Inspection;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.Export.C;
using EdgePrune.Runtime;
using EdgePrune.TestSupport;
using EdgePrune.Training;

namespace EdgePrune.Compression.Tests.Fitting;

/// <summary>LeNet-300-100 fitted once to a 60 KB flash budget (the Nano 33's RAM), shared by the facts that judge it.</summary>
public sealed class TightFit
{
    public const long FlashBudget = 64_000;

    public TightFit()
    {
        Mnist = new MnistSamples();
        var device = DeviceProfiles.Load("arduino-nano-33-ble-sense");
        Request = Requests.Small(Mnist, device, FitBudget.Of(device, flashOverride: FlashBudget)) with
        {
            Train = Mnist.Train,
            Sensitivity = new SensitivityOptions { Sparsities = [0.9f, 0.95f, 0.98f], NOfM = [] },
            Recovery = new TrainingOptions { Epochs = 2, LearningRate = 1e-3f },
        };
        Result = FitSearch.Run(Request);
    }

    public MnistSamples Mnist { get; }

    public FitRequest Request { get; }

    public FitResult Result { get; }
}

internal static class Requests
{
    /// <summary>A fit sized for tests: 100 search samples, a two-sparsity sweep, one short recovery epoch.</summary>
    public static FitRequest Small(MnistSamples mnist, DeviceProfile device, FitBudget budget) => new()
    {
        Model = mnist.Model,
        Device = device,
        Budget = budget,
        Eval = mnist.Eval,
        Labels = mnist.Labels,
        Calibration = mnist.Calibration,
        SearchSamples = 100,
        Sensitivity = new SensitivityOptions { Sparsities = [0.9f, 0.98f], NOfM = [] },
        Recovery = new TrainingOptions { Epochs = 1, LearningRate = 5e-4f },
        Floor = new FitFloor(MaxDropPoints: 5),
    };
}

public sealed class FitSearchTests(TightFit fit) : IClassFixture<TightFit>
{
    [Fact]
    public void Tight_budget_fits_and_every_greedy_step_but_the_last_is_over_budget()
    {
        var result = fit.Result;

        Assert.True(result.Status == FitStatus.Fitted, $"{result.Reason}; {string.Join("; ", result.Candidates.Select(c => $"{c.FlashBytes} {c.Score:P1} {c.Description}"))}; {result.Recovery}");
        Assert.True(result.After!.FlashBytes <= TightFit.FlashBudget, result.Reason);
        var chosen = result.Candidates[result.ChosenIndex!.Value];
        Assert.Equal(result.Candidates.Count - 1, chosen.Index);
        Assert.All(result.Candidates.SkipLast(1), c => Assert.False(c.Fits));
        Assert.True(result.Candidates.Zip(result.Candidates.Skip(1)).All(p => p.Second.FlashBytes < p.First.FlashBytes), "each greedy step must shrink the file");
        Assert.True(chosen.Recipe.IsPruned);
        Assert.StartsWith("fine-tuned 2 epochs on 1,000 samples", result.Recovery.Replace(", not kept", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Footprint_is_the_written_file_and_the_arena_the_runtime_allocates()
    {
        var result = fit.Result;
        var loaded = EpbModel.Load(result.Epb!.Bytes);

        // Flash = the file + the runtime kernels the C export of the same .epb calls, read from the generated source.
        var source = CExporter.FromEpb(result.Epb, new CExportOptions()).Source;
        var kernels = Regex.Matches(source, @"\(int\)(ep_\w+)\(").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Contains("ep_fully_connected_s8", kernels);
        Assert.Equal(kernels.Order(StringComparer.Ordinal), CExporter.KernelsOf(result.Epb).Order(StringComparer.Ordinal));
        Assert.Equal(RuntimeCode.Bytes(kernels), result.After!.RuntimeCodeBytes);
        Assert.Equal(result.Epb.Bytes.Length + result.After.RuntimeCodeBytes, result.After.FlashBytes);
        Assert.Equal(loaded.ArenaBytes, result.After.RamBytes);
        Assert.Equal(result.Layers.Sum(l => l.WeightBytes), result.Epb.Report.Weights.Where(w => w.DataType == "int8").Sum(w => w.Bytes));
    }

    [Fact]
    public void Runtime_output_is_bit_identical_to_the_integer_executor_whose_score_the_search_reported()
    {
        var result = fit.Result;
        var model = EpbModel.Load(result.Epb!.Bytes);
        var executor = new IntegerExecutor(result.Final!);
        string output = result.Final!.Graph.Outputs[0].Name;
        var device = new sbyte[10];
        for (int i = 0; i < 40; i++)
        {
            var sample = CalibrationData.Sample(fit.Mnist.Eval, i);
            var quantized = executor.QuantizeInput(sample);
            model.Run(quantized.Span<sbyte>(), device);
            Assert.Equal(executor.RunQuantized(quantized)[output].Span<sbyte>().ToArray(), device);
        }
    }

    [Fact]
    public void Final_score_matches_OnnxRuntime_on_the_QDQ_export_and_the_layers_say_what_the_recipe_chose()
    {
        var result = fit.Result;
        var qdq = QdqExporter.ToModel(result.Final!) with { IrVersion = 8 };
        string input = CalibrationData.SingleInput(result.Final!.Graph).Name;
        var logits = OrtOracle.Run(OnnxExporter.ToBytes(qdq), new Dictionary<string, Tensor> { [input] = fit.Mnist.Eval })[result.Final.Graph.Outputs[0].Name].ToFloatArray();
        int right = 0;
        for (int i = 0; i < MnistSamples.EvalCount; i++)
        {
            right += QuantizationEvaluation.ArgMax<float>(logits.AsSpan(i * 10, 10)) == fit.Mnist.Labels[i] ? 1 : 0;
        }

        Assert.InRange(Math.Abs((double)right / MnistSamples.EvalCount - result.FinalScore!.Value), 0, 2.0 / MnistSamples.EvalCount);
        Assert.Equal(result.Predictions!.Length, Enumerable.Range(0, 10).Sum(t => Enumerable.Range(0, 10).Sum(p => result.Confusion![t, p])));
        var chosen = result.Candidates[result.ChosenIndex!.Value].Recipe;
        foreach (var layer in result.Layers)
        {
            Assert.Equal(chosen[layer.Layer.Weight], layer.Option);
            // Pruning zeroes floor(s·n) weights; quantization may round a few more small survivors to zero.
            Assert.True(layer.Sparsity >= layer.Option.Sparsity - 1.0 / layer.Layer.Parameters - 1e-6, $"{layer.Layer.Node}: {layer.Sparsity} < {layer.Option.Sparsity}");
        }
    }
}

public sealed class FitLimitTests(MnistSamples mnist) : IClassFixture<MnistSamples>
{
    [Fact]
    public void LeNet300_to_arduino_uno_removes_the_least_fraction_of_neurons_whose_arena_fits_the_RAM_budget()
    {
        var uno = DeviceProfiles.Load("arduino-uno");

        var result = FitSearch.Run(Requests.Small(mnist, uno, FitBudget.Of(uno)));

        // The int8 arena holds the 784 inputs and the first hidden layer at once (16-byte aligned), against 1,024 bytes:
        // 300 neurons need 1,088, 10 % fewer (270) 784 + 272 = 1,056, 20 % fewer (240) exactly 784 + 240 = 1,024.
        Assert.True(result.Status != FitStatus.CannotFit, result.Reason);
        Assert.Equal(0.2f, result.Narrowing!.Fraction);
        Assert.Equal(["300→240", "100→80"], result.Narrowing.Groups.Select(g => $"{g.ChannelsBefore}→{g.ChannelsAfter}"));
        Assert.Equal(1024, result.After!.RamBytes);
        Assert.Equal(1024, EpbModel.Load(result.Epb!.Bytes).ArenaBytes);
        Assert.True(result.After.FlashBytes <= uno.ModelFlashBudgetBytes, $"{result.After.FlashBytes} flash bytes");
        Assert.All(result.Candidates, c => Assert.Equal(1024, c.RamBytes));
        Assert.Equal(240 * 784, result.Layers[0].Layer.Parameters);

        // The score is the narrowed model's, by ONNX Runtime on its QDQ export, against the original's labels.
        var qdq = QdqExporter.ToModel(result.Final!) with { IrVersion = 8 };
        string input = CalibrationData.SingleInput(result.Final!.Graph).Name;
        var logits = OrtOracle.Run(OnnxExporter.ToBytes(qdq), new Dictionary<string, Tensor> { [input] = mnist.Eval })[result.Final.Graph.Outputs[0].Name].ToFloatArray();
        int right = Enumerable.Range(0, MnistSamples.EvalCount).Count(i => QuantizationEvaluation.ArgMax<float>(logits.AsSpan(i * 10, 10)) == mnist.Labels[i]);
        // Within the known one-LSB rounding difference: at most two digits decided otherwise.
        Assert.InRange(Math.Abs(right - result.FinalScore!.Value * MnistSamples.EvalCount), 0, 2 + 1e-9);
    }

    [Fact]
    public void Without_structured_fractions_LeNet300_to_arduino_uno_stops_at_once_because_the_arena_exceeds_RAM()
    {
        var uno = DeviceProfiles.Load("arduino-uno");
        var stages = new List<FitStage>();

        var result = FitSearch.Run(Requests.Small(mnist, uno, FitBudget.Of(uno)) with { StructuredFractions = [] }, (stage, _) => stages.Add(stage));

        Assert.Equal(FitStatus.CannotFit, result.Status);
        Assert.Contains("RAM", result.Reason, StringComparison.Ordinal);
        // 784 int8 inputs and 300 int8 hidden values live at once, each 16-byte aligned: 784 + 304.
        Assert.Equal(1088, result.Smallest.RamBytes);
        Assert.Empty(result.Candidates);
        Assert.Contains("holds the int8 model", Assert.Single(result.Suggestions), StringComparison.Ordinal);
        // "At once" is held by what ran, not by a clock: nothing was calibrated, swept or searched.
        Assert.DoesNotContain(FitStage.Sensitivity, stages);
        Assert.DoesNotContain(FitStage.Search, stages);
    }

    [Fact]
    public void Flash_budget_below_the_most_compressed_model_cannot_fit_and_says_the_smallest_size()
    {
        var nano = DeviceProfiles.Load("arduino-nano-33-ble-sense");

        var result = FitSearch.Run(Requests.Small(mnist, nano, FitBudget.Of(nano, flashOverride: 5_000)) with { StructuredFractions = [] });

        Assert.Equal(FitStatus.CannotFit, result.Status);
        Assert.Contains("flash", result.Reason, StringComparison.Ordinal);
        Assert.InRange(result.Smallest.FlashBytes, 5_001, 40_000);
        Assert.Contains(result.Smallest.FlashBytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), result.Reason, StringComparison.Ordinal);
        Assert.Contains("holds the most compressed model", result.Suggestions[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Unreachable_floor_is_below_floor_with_the_max_drop_that_would_accept_it()
    {
        var nano = DeviceProfiles.Load("arduino-nano-33-ble-sense");
        var request = Requests.Small(mnist, nano, FitBudget.Of(nano, flashOverride: 30_000)) with { Floor = new FitFloor(MinScore: 0.999) };

        var result = FitSearch.Run(request);

        Assert.Equal(FitStatus.BelowFloor, result.Status);
        Assert.Contains("below the floor", result.Reason, StringComparison.Ordinal);
        Assert.Contains(result.Suggestions, s => s.StartsWith("--max-drop ", StringComparison.Ordinal));
        Assert.True(result.After!.FlashBytes <= 30_000);
    }

    [Fact]
    public void Spent_time_budget_takes_the_most_compressed_model_and_without_labels_distils_and_scores_agreement()
    {
        var nano = DeviceProfiles.Load("arduino-nano-33-ble-sense");
        var request = Requests.Small(mnist, nano, FitBudget.Of(nano, flashOverride: 60_000)) with
        {
            Labels = null,
            Train = mnist.Train.WithoutLabels(),
            TimeBudget = TimeSpan.Zero,
            Floor = new FitFloor(MaxDropPoints: 100),
        };

        var result = FitSearch.Run(request);

        Assert.Equal(ScoreMetric.Agreement, result.Metric);
        Assert.Equal(1.0, result.OriginalScore);
        Assert.Equal("most compressed", result.Candidates[result.ChosenIndex!.Value].Stage);
        Assert.Equal(result.Smallest.FlashBytes, result.Candidates[result.ChosenIndex.Value].FlashBytes);
        Assert.Contains("distilled from the original", result.Recovery, StringComparison.Ordinal);
    }

    [Fact]
    public void ResNet18_to_arduino_uno_cannot_fit_and_stops_before_any_search()
    {
        var uno = DeviceProfiles.Load("arduino-uno");
        var model = OnnxImporter.Load(RealModels.ResNet18).Graph;
        var placeholder = Tensor.FromArray(new float[3 * 224 * 224], 1, 3, 224, 224);
        var stages = new List<FitStage>();

        var result = FitSearch.Run(new FitRequest { Model = model, Device = uno, Budget = FitBudget.Of(uno), Eval = placeholder, Calibration = placeholder }, (stage, _) => stages.Add(stage));

        Assert.Equal(FitStatus.CannotFit, result.Status);
        Assert.Contains("RAM", result.Reason, StringComparison.Ordinal);
        // 3×224×224 int8 inputs alone exceed 1,024 bytes, so no structured removal is tried.
        Assert.Contains("the int8 input alone takes 150,528 bytes", result.Reason, StringComparison.Ordinal);
        // "Within seconds" is held by what ran, not by a clock: no candidate was built, calibrated, swept or scored.
        Assert.Empty(result.Candidates);
        Assert.DoesNotContain(FitStage.Sensitivity, stages);
        Assert.DoesNotContain(FitStage.Search, stages);
    }
}
