using EdgePrune.Core.Devices;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Memory;
using EdgePrune.Core.Ops;

namespace EdgePrune.Core.Inspection;

/// <summary>
/// Measures a model: per node its output types, parameters, MACs, weight and activation bytes; the
/// totals; the activation arena (<see cref="ArenaPlanner"/>); and, given a device, whether it fits (flash: the weights
/// plus the C runtime's kernels for the graph's ops, <see cref="RuntimeCode.KernelsOf"/>).
/// </summary>
public static class ModelInspector
{
    /// <param name="sourceName">How messages name the model (usually its path).</param>
    public static ModelReport Inspect(Model model, string sourceName, DeviceProfile? device = null)
    {
        var graph = ShapeInference.Infer(model.Graph, sourceName);
        var counted = new HashSet<string>(StringComparer.Ordinal);
        var weightBytesByType = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var layers = new List<LayerReport>(graph.Nodes.Length);
        for (int step = 0; step < graph.Nodes.Length; step++)
        {
            var node = graph.Nodes[step];
            long parameters = 0, weightBytes = 0;
            foreach (string input in node.Inputs)
            {
                if (graph.Initializers.TryGetValue(input, out var tensor) && IsWeight(tensor) && counted.Add(input))
                {
                    parameters += tensor.ElementCount;
                    weightBytes += tensor.SizeInBytes;
                    string type = tensor.DataType.OnnxName();
                    weightBytesByType[type] = weightBytesByType.GetValueOrDefault(type) + tensor.SizeInBytes;
                }
            }

            var outputs = node.Outputs.Where(o => o.Length > 0)
                .Select(o => new ValueInfo(o, graph.TypeOf(o) ?? throw new EdgePruneException($"{sourceName}: {node.Describe()}: the type of output '{o}' could not be inferred")))
                .ToList();
            long activationBytes = 0;
            foreach (var output in outputs)
            {
                activationBytes += Sized(sourceName, () => ConcreteShapes.ByteSize(output.Type, output.Name));
            }

            layers.Add(new LayerReport(step, node.Name, node.OpType, outputs, parameters, CountMacs(graph, node, sourceName), weightBytes, activationBytes));
        }

        var arena = ArenaPlanner.Plan(graph, sourceName);
        long totalWeightBytes = layers.Sum(l => l.WeightBytes);
        long runtimeCode = RuntimeCode.Bytes(RuntimeCode.KernelsOf(graph));
        return new ModelReport(
            sourceName,
            graph.Name,
            graph.Opset,
            layers,
            layers.Sum(l => l.Parameters),
            layers.Sum(l => l.Macs),
            totalWeightBytes,
            layers.Sum(l => l.ActivationBytes),
            weightBytesByType,
            arena,
            device is null ? null : new DeviceFit(
                device,
                new BudgetUse("flash", totalWeightBytes + runtimeCode, device.ModelFlashBudgetBytes),
                new BudgetUse("ram", arena.PeakBytes, device.ModelRamBudgetBytes),
                runtimeCode));
    }

    /// <summary>
    /// Weights and biases are the initializers a node computes with. Int64 and bool initializers are not
    /// counted: ONNX uses them for shapes, axes, pads and indices, which an exporter folds into code.
    /// </summary>
    private static bool IsWeight(Tensor tensor) => tensor.DataType is not (DataType.Int64 or DataType.Bool);

    private static long CountMacs(Graph graph, Node node, string sourceName)
    {
        var op = OpSet.Default.Get(node);
        var inputs = node.Inputs
            .Select(i => i.Length == 0 || graph.TypeOf(i) is not { Shape: not null } t ? null : ConcreteShapes.Of(t, i))
            .ToList();
        var outputs = node.Outputs
            .Select(o => graph.TypeOf(o) is { Shape: not null } t ? ConcreteShapes.Of(t, o) : new TensorType(DataType.Undefined, null))
            .ToList();
        return Sized(sourceName, () => op.CountMacs(node, inputs, outputs));
    }

    private static long Sized(string sourceName, Func<long> measure)
    {
        try
        {
            return measure();
        }
        catch (EdgePruneException e) when (!e.Message.StartsWith(sourceName, StringComparison.Ordinal))
        {
            throw new EdgePruneException($"{sourceName}: {e.Message}", e);
        }
    }
}
