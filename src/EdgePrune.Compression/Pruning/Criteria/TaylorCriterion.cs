using EdgePrune.Core;
using EdgePrune.Core.Ir;
using EdgePrune.Training.Autograd;
using EdgePrune.Training.Data;
using EdgePrune.Training.Losses;

namespace EdgePrune.Compression.Pruning.Criteria;

/// <summary>
/// First-order Taylor importance (Molchanov et al. 2019, "Importance Estimation for Neural Network Pruning"):
/// Σ_b (g_b · w)² over mini-batches b of labelled training data, g_b = ∂(cross-entropy)/∂w from the training autograd.
/// It estimates how much the loss moves when w is set to zero. Squared per batch, because the mean gradient of a
/// trained model is close to zero while its per-batch gradients are not.
/// </summary>
public sealed class TaylorCriterion(Dataset data, int batchSize = 128, int maxBatches = 16) : IPruningCriterion
{
    public string Name => "taylor";

    public IReadOnlyList<LayerSaliency> Assess(Graph graph, IReadOnlyList<WeightMatrix> layers)
    {
        var labels = data.Labels ?? throw new EdgePruneException($"{data.Source}: the Taylor criterion needs labelled training data");
        var inputs = graph.Inputs.Where(i => !graph.Initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1 || graph.Outputs.Length != 1 || inputs[0].Type.Shape is not { } shape || shape.Skip(1).Any(d => !d.IsKnown))
        {
            throw new EdgePruneException($"the Taylor criterion needs a model with one input of known sample shape and one output; '{graph.Name}' does not have them");
        }

        int[] inputShape = [0, .. shape.Skip(1).Select(d => (int)d.Value!.Value)];
        if (inputShape.Skip(1).Aggregate(1, (p, d) => p * d) != data.SampleSize)
        {
            throw new EdgePruneException($"{data.Source}: samples of {data.SampleSize} values do not fit input '{inputs[0].Name}'");
        }

        var engine = new AutogradEngine(graph, trainable: layers.Select(l => l.Name));
        var parameters = layers.Select(l => engine.Parameters.Single(p => p.Name == l.Name)).ToArray();
        var sums = layers.Select(l => new double[l.Weights.ElementCount]).ToArray();
        string output = graph.Outputs[0].Name;
        int batches = Math.Min(maxBatches, (data.Count + batchSize - 1) / batchSize);
        for (int b = 0; b < batches; b++)
        {
            int start = b * batchSize, count = Math.Min(batchSize, data.Count - start);
            inputShape[0] = count;
            engine.SetInput(inputs[0].Name, data.Features.AsSpan(start * data.SampleSize, count * data.SampleSize), inputShape);
            engine.Run(training: false);
            var logits = engine.OutputSpan(output, out var logitShape);
            var gradient = new float[logits.Length];
            CrossEntropyLoss.Compute(logits, logitShape[^1], labels.AsSpan(start, count), gradient);
            engine.Backward(output, gradient);
            for (int l = 0; l < layers.Count; l++)
            {
                var g = parameters[l].Gradient;
                var w = parameters[l].Values;
                for (int i = 0; i < w.Length; i++)
                {
                    double product = (double)g[i] * w[i];
                    sums[l][i] += product * product;
                }
            }
        }

        return sums.Select(s => new LayerSaliency(s.Select(v => (float)Math.Sqrt(v)).ToArray())).ToList();
    }
}
