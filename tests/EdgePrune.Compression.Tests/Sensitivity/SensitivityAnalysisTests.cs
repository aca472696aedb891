using EdgePrune.Compression.Pruning;
using EdgePrune.Compression.Quantization;
using EdgePrune.Compression.Sensitivity;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Onnx;
using EdgePrune.TestSupport;

namespace EdgePrune.Compression.Tests.Sensitivity;

public sealed class SensitivityAnalysisTests(MnistSamples mnist) : IClassFixture<MnistSamples>
{
    private static readonly SensitivityOptions Sweep = new() { Sparsities = [0.5f, 0.9f, 0.98f], NOfM = [SparsityPattern.Parse("2:4")] };

    [Fact]
    public void Every_layer_is_swept_at_every_option_and_scores_match_OnnxRuntime_on_the_QDQ_export()
    {
        var builder = new CandidateBuilder(mnist.Model, mnist.Calibration, new CalibrationOptions());
        var scorer = new ModelScorer(mnist.Eval, mnist.Labels, builder.Prepared).Subset(200);

        var report = SensitivityAnalysis.Run(builder, scorer, Sweep);

        Assert.True(report.Complete);
        Assert.Equal(ScoreMetric.Accuracy, report.Metric);
        Assert.Equal(3, report.Layers.Count);
        Assert.All(report.Layers, l => Assert.Equal(Sweep.Grid.Count - 1, l.Entries.Count));
        var dense = CompressionRecipe.Uniform(builder.Weights, LayerOption.Dense8);
        // The integer executor and ONNX Runtime may differ by one LSB on a logit (docs/quantization.md), so a rare tie flips: 2 of 200 allowed.
        Assert.InRange(Math.Abs(OrtAccuracy(builder.Build(dense), 200) - report.Baseline), 0, 0.0101);
        // One entry re-measured by an independent runtime: the last layer alone at 98 %, the case that hurts most.
        var last = report.Layers[^1];
        var option = new LayerOption(SparsityPattern.Unstructured, 0.98f, 8);
        Assert.InRange(Math.Abs(OrtAccuracy(builder.Build(dense.With(last.Layer.Weight, option)), 200) - last.ScoreOf(option)!.Value), 0, 0.0101);
        Assert.True(report.HeadlineLoss(last.Layer.Weight) > report.HeadlineLoss(report.Layers[0].Layer.Weight),
            "a 100×10 classifier at 98 % keeps 20 weights and must hurt more than the 784×300 input layer at 98 %");
    }

    [Fact]
    public void Pruned_candidate_layer_has_exactly_the_requested_zeros_and_the_others_none_added()
    {
        var builder = CandidateBuilder.ForSizesOnly(mnist.Model);
        var first = builder.Layers[0];
        var recipe = CompressionRecipe.Uniform(builder.Weights, LayerOption.Dense8).With(first.Weight, new LayerOption(SparsityPattern.Unstructured, 0.9f, 8));

        var pruned = builder.Prune(recipe);

        long zeros = pruned.Initializers[first.Weight].ToFloatArray().LongCount(v => v == 0);
        Assert.Equal((long)Math.Floor(0.9 * 784 * 300), zeros);
        foreach (var other in builder.Layers.Skip(1))
        {
            Assert.Equal(mnist.Model.Initializers[other.Weight].ToFloatArray(), pruned.Initializers[other.Weight].ToFloatArray());
        }
    }

    [Fact]
    public void Without_labels_the_score_is_agreement_with_the_original_and_the_dense_int8_model_nearly_agrees()
    {
        var builder = new CandidateBuilder(mnist.Model, mnist.Calibration, new CalibrationOptions());
        var scorer = new ModelScorer(mnist.Eval, labels: null, builder.Prepared).Subset(100);
        var report = SensitivityAnalysis.Run(builder, scorer, Sweep with { Sparsities = [0.98f], NOfM = [] });

        Assert.Equal(ScoreMetric.Agreement, report.Metric);
        Assert.Equal(1.0, scorer.Original);
        Assert.InRange(report.Baseline, 0.97, 1.0);
    }

    [Fact]
    public void Deadline_in_the_past_stops_the_sweep_and_says_it_is_incomplete()
    {
        var builder = new CandidateBuilder(mnist.Model, mnist.Calibration, new CalibrationOptions());
        var scorer = new ModelScorer(mnist.Eval, mnist.Labels, builder.Prepared).Subset(50);

        var report = SensitivityAnalysis.Run(builder, scorer, Sweep, deadline: DateTime.UtcNow.AddSeconds(-1));

        Assert.False(report.Complete);
        Assert.All(report.Layers, l => Assert.Empty(l.Entries));
        Assert.Equal(report.Baseline, report.LossOf(builder.Layers[0].Weight, new LayerOption(SparsityPattern.Unstructured, 0.5f, 8)));
    }

    /// <summary>Top-1 accuracy of the QDQ export in ONNX Runtime on the first <paramref name="count"/> digits.</summary>
    private double OrtAccuracy(QuantizedModel model, int count)
    {
        var qdq = QdqExporter.ToModel(model) with { IrVersion = 8 };
        var input = CalibrationData.Slice(mnist.Eval, 0, count);
        string inputName = CalibrationData.SingleInput(model.Graph).Name;
        var logits = OrtOracle.Run(OnnxExporter.ToBytes(qdq), new Dictionary<string, Tensor> { [inputName] = input })[model.Graph.Outputs[0].Name].ToFloatArray();
        int classes = logits.Length / count, right = 0;
        for (int i = 0; i < count; i++)
        {
            right += QuantizationEvaluation.ArgMax<float>(logits.AsSpan(i * classes, classes)) == mnist.Labels[i] ? 1 : 0;
        }

        return (double)right / count;
    }
}
