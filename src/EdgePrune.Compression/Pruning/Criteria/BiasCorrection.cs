using System.Collections.Immutable;
using EdgePrune.Core.Execution;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Pruning.Criteria;

/// <summary>
/// Post-training bias correction (Nagel et al. 2019, "Data-Free Quantization", §4.2, applied to pruning): removing
/// weights shifts each output's mean by E[(W − Ŵ)x]. Layer by layer in graph order, the mean over the calibration
/// samples (and positions, for Conv) of the dense layer's output minus the pruned layer's output, both fed the pruned
/// model's own input to that layer, is added to the layer's bias, so later layers are corrected for earlier ones.
/// Layers without a bias initializer are left alone.
/// </summary>
public static class BiasCorrection
{
    public static Graph Apply(Graph dense, Graph pruned, Tensor calibration)
    {
        var layers = WeightMatrix.Find(pruned);
        foreach (var layer in layers)
        {
            var node = layer.Node;
            if (node.OptionalInput(2) is not { } biasName || node.OpType == "MatMul" || !pruned.Initializers.TryGetValue(biasName, out var bias)
                || bias.ElementCount != layer.Outputs || !dense.Initializers.TryGetValue(layer.Name, out var denseWeights))
            {
                continue;
            }

            var activations = LayerInputs.Activations(pruned, calibration);
            var x = activations[node.Inputs[0]];
            var outputs = new[] { denseWeights, pruned.Initializers[layer.Name] }.Select(w =>
            {
                var single = new Graph
                {
                    Name = "layer",
                    Inputs = [new ValueInfo("x", TensorType.Of(DataType.Float, x.Shape.ToArray()))],
                    Outputs = [new ValueInfo("y", new TensorType(DataType.Float, null))],
                    Nodes = [node with { Inputs = [.. node.Inputs.SetItem(0, "x").SetItem(1, "w")], Outputs = ["y"] }],
                    Initializers = pruned.Initializers.Where(kv => node.Inputs.Contains(kv.Key)).ToDictionary().ToImmutableDictionary().SetItem("w", w),
                    Opsets = pruned.Opsets,
                };
                return ReferenceExecutor.Run(single, new Dictionary<string, Tensor> { ["x"] = x })["y"];
            }).ToArray();
            var shift = MeanPerOutput(outputs[0], layer.Outputs).Zip(MeanPerOutput(outputs[1], layer.Outputs), (a, b) => a - b);
            var corrected = bias.ToFloatArray().Zip(shift, (b, s) => (float)(b + s)).ToArray();
            pruned = pruned with { Initializers = pruned.Initializers.SetItem(biasName, Tensor.FromArray(corrected, bias.Shape.ToArray())) };
        }

        return pruned;
    }

    /// <summary>Mean over every axis but the output one (axis 1 of an [N, C, ...] or [N, C] result).</summary>
    private static double[] MeanPerOutput(Tensor y, int outputs)
    {
        var data = y.ToFloatArray();
        int inner = y.Rank > 2 ? data.Length / y.Shape[0] / outputs : 1;
        var sums = new double[outputs];
        for (int i = 0; i < data.Length; i++)
        {
            sums[i / inner % outputs] += data[i];
        }

        return sums.Select(s => s * outputs / data.Length).ToArray();
    }
}
