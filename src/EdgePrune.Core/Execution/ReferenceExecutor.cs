using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;

namespace EdgePrune.Core.Execution;

/// <summary>
/// Runs a graph node by node with the ops' fp32 reference kernels. It is the host-side truth every
/// compressed or exported model is compared with, so it favours clarity over speed; values are freed
/// after their last use so large models (ResNet18) run in modest memory.
/// </summary>
public static class ReferenceExecutor
{
    /// <summary>Runs the graph and returns its outputs by name.</summary>
    /// <param name="keepIntermediates">Also return every intermediate value (for calibration and debugging).</param>
    public static IReadOnlyDictionary<string, Tensor> Run(Graph graph, IReadOnlyDictionary<string, Tensor> inputs, bool keepIntermediates = false)
    {
        CheckInputs(graph, inputs);
        var values = new Dictionary<string, Tensor>(graph.Initializers, StringComparer.Ordinal);
        foreach (var (name, tensor) in inputs)
        {
            values[name] = tensor;
        }

        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            foreach (string input in graph.Nodes[i].Inputs)
            {
                lastUse[input] = i;
            }
        }

        var keep = new HashSet<string>(graph.Outputs.Select(o => o.Name), StringComparer.Ordinal);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            var node = graph.Nodes[i];
            var op = OpSet.Default.Get(node);
            int opset = node.Domain.Length == 0 ? graph.Opset : graph.Opsets.GetValueOrDefault(node.Domain, 1);
            var args = new Tensor?[node.Inputs.Length];
            for (int j = 0; j < args.Length; j++)
            {
                string name = node.Inputs[j];
                if (name.Length > 0)
                {
                    args[j] = values.TryGetValue(name, out var v)
                        ? v
                        : throw new EdgePruneException($"{node.Describe()}: input '{name}' has no value (was the graph validated?)");
                }
            }

            Tensor[] outputs;
            try
            {
                outputs = op.Execute(node, opset, args);
            }
            catch (EdgePruneException e) when (!e.Message.StartsWith(node.Describe(), StringComparison.Ordinal))
            {
                throw new EdgePruneException($"{node.Describe()}: {e.Message}", e);
            }

            for (int k = 0; k < node.Outputs.Length && k < outputs.Length; k++)
            {
                if (node.Outputs[k].Length > 0)
                {
                    values[node.Outputs[k]] = outputs[k];
                    if (keepIntermediates)
                    {
                        result[node.Outputs[k]] = outputs[k];
                    }
                }
            }

            if (!keepIntermediates)
            {
                foreach (string input in node.Inputs)
                {
                    if (lastUse.GetValueOrDefault(input) == i && !keep.Contains(input) && !graph.Initializers.ContainsKey(input))
                    {
                        values.Remove(input);
                    }
                }
            }
        }

        foreach (var output in graph.Outputs)
        {
            result[output.Name] = values[output.Name];
        }

        return result;
    }

    /// <summary>Checks names, element types and known dimensions of the given inputs against the graph's declaration.</summary>
    public static void CheckInputs(Graph graph, IReadOnlyDictionary<string, Tensor> inputs)
    {
        foreach (string name in inputs.Keys)
        {
            if (!graph.Inputs.Any(i => i.Name == name))
            {
                throw new EdgePruneException($"input '{name}' is not an input of the model (its inputs are: {string.Join(", ", graph.Inputs.Select(i => i.Name))})");
            }
        }

        foreach (var declared in graph.Inputs)
        {
            if (!inputs.TryGetValue(declared.Name, out var given))
            {
                throw new EdgePruneException($"model input '{declared.Name}' ({declared.Type}) was not given a value");
            }

            if (declared.Type.ElementType != DataType.Undefined && declared.Type.ElementType != given.DataType)
            {
                throw new EdgePruneException($"input '{declared.Name}' is {given.DataType.OnnxName()} but the model expects {declared.Type.ElementType.OnnxName()}");
            }

            var shape = declared.Type.Shape;
            if (shape is null)
            {
                continue;
            }

            bool matches = shape.Count == given.Rank;
            for (int d = 0; matches && d < shape.Count; d++)
            {
                matches = !shape[d].IsKnown || shape[d].Value == given.Shape[d];
            }

            if (!matches)
            {
                throw new EdgePruneException($"input '{declared.Name}' has shape {Tensor.FormatShape(given.Shape)} but the model expects {declared.Type}");
            }
        }
    }
}
