using System.Collections.Immutable;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Infers the type of every value in a graph from its inputs' declared types, with symbolic dimensions
/// (such as a batch "N") carried through. Small constant subgraphs (shape arithmetic) are evaluated on
/// the way, so ops whose output shape depends on a value (Reshape, Slice, Expand-like patterns) resolve.
/// </summary>
public static class ShapeInference
{
    /// <summary>Constants larger than this are not propagated (they never feed shapes).</summary>
    private const int MaxPropagatedElements = 1 << 16;

    /// <summary>Returns the graph with <see cref="Graph.ValueTypes"/> filled; throws listing every node whose inputs its op rejects.</summary>
    public static Graph Infer(Graph graph, string sourceName)
    {
        var (result, problems) = TryInfer(graph);
        if (problems.Count > 0)
        {
            throw new UnsupportedModelException(sourceName, problems);
        }

        return result;
    }

    /// <summary>Like <see cref="Infer"/>, but returns the problems instead of throwing.</summary>
    public static (Graph Graph, List<string> Problems) TryInfer(Graph graph)
    {
        var problems = new List<string>();
        var types = new Dictionary<string, TensorType>(StringComparer.Ordinal);
        var constants = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var input in graph.Inputs)
        {
            types[input.Name] = input.Type;
        }

        foreach (var (name, tensor) in graph.Initializers)
        {
            types[name] = TensorType.Of(tensor.DataType, tensor.Shape.ToArray());
            if (tensor.ElementCount <= MaxPropagatedElements)
            {
                constants[name] = tensor;
            }
        }

        foreach (var node in graph.Nodes)
        {
            var op = OpSet.Default.Get(node);
            int opset = node.Domain.Length == 0 ? graph.Opset : graph.Opsets.GetValueOrDefault(node.Domain, 1);
            var inputTypes = new TensorType?[node.Inputs.Length];
            var inputConstants = new Tensor?[node.Inputs.Length];
            bool allKnown = true;
            bool allConstant = true;
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                string name = node.Inputs[i];
                if (name.Length == 0)
                {
                    continue;
                }

                inputTypes[i] = types.GetValueOrDefault(name);
                inputConstants[i] = constants.GetValueOrDefault(name);
                allKnown &= inputTypes[i] is { ElementType: not DataType.Undefined };
                allConstant &= inputConstants[i] is not null;
            }

            if (!allKnown)
            {
                continue;
            }

            try
            {
                var outputTypes = op.InferTypes(node, opset, inputTypes, inputConstants);
                for (int k = 0; k < node.Outputs.Length && k < outputTypes.Length; k++)
                {
                    if (node.Outputs[k].Length > 0)
                    {
                        types[node.Outputs[k]] = outputTypes[k];
                    }
                }

                Tensor[]? folded = null;
                if (allConstant)
                {
                    folded = op.Execute(node, opset, inputConstants);
                }
                else if (node.OpType == "Shape" && inputTypes[0]!.IsFullyKnown)
                {
                    // Shape of a fully known input is a constant even though the input's value is not.
                    folded = op.Execute(node, opset, [Tensor.Zeros(inputTypes[0]!.ElementType, inputTypes[0]!.ConcreteShape())]);
                }

                for (int k = 0; folded is not null && k < node.Outputs.Length && k < folded.Length; k++)
                {
                    if (node.Outputs[k].Length > 0 && folded[k].ElementCount <= MaxPropagatedElements)
                    {
                        constants[node.Outputs[k]] = folded[k];
                    }
                }
            }
            catch (EdgePruneException e)
            {
                problems.Add(e.Message.StartsWith(node.Describe(), StringComparison.Ordinal) ? e.Message : $"{node.Describe()}: {e.Message}");
            }
        }

        var known = graph.Initializers.Keys.Concat(graph.Inputs.Select(i => i.Name)).ToHashSet(StringComparer.Ordinal);
        var valueTypes = types.Where(kv => !known.Contains(kv.Key)).ToImmutableDictionary(StringComparer.Ordinal);
        var outputs = graph.Outputs.Select(o =>
            o.Type.Shape is null || o.Type.ElementType == DataType.Undefined
                ? o with { Type = valueTypes.GetValueOrDefault(o.Name) ?? o.Type }
                : o).ToImmutableArray();
        return (graph with { ValueTypes = valueTypes, Outputs = outputs }, problems);
    }
}
