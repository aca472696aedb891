using System.Collections.Immutable;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops;

/// <summary>
/// Infers the type of every value in a graph from its inputs' declared types, with symbolic dimensions
/// (such as a batch "N") carried through. Small constant subgraphs (shape arithmetic) are evaluated on
/// the way, so ops whose output shape depends on a value (Reshape, Slice, Expand-like patterns) resolve.
/// Shape arithmetic over a symbolic dimension (PyTorch's <c>x.view(x.size(0), -1)</c> exports as
/// Shape → Gather → Unsqueeze → Concat → Reshape) is followed with <see cref="ShapePlaceholders"/>.
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
        var placeholders = new ShapePlaceholders();
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
                var typingConstants = inputConstants;
                if (node is { OpType: "Reshape", Domain: "" } && inputConstants[1] is null
                    && placeholders.AsReshapeCopies(node, inputTypes[0]!.Shape, node.Inputs[1]) is { } copies)
                {
                    typingConstants = [inputConstants[0], copies];
                }

                var outputTypes = op.InferTypes(node, opset, inputTypes, typingConstants);
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
                else if (node.Domain.Length == 0)
                {
                    // Shape of a known-rank input is a constant even though the input's value is not, up to
                    // placeholders for its symbolic dims; data-movement ops carry those placeholders along.
                    folded = placeholders.Track(node, op, opset, inputTypes, inputConstants);
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

/// <summary>
/// Shape values known only in part: an int64 vector from Shape of an input with symbolic dims. Each symbolic
/// or unknown dim is stood in for by a placeholder value (far below any real size or the -1/0 of Reshape), so
/// the ops that only move elements (Gather, Concat, Unsqueeze, Slice, ...) carry placeholders with their own
/// kernels, and Reshape reads a placeholder at position i that stands for input dimension i as a 0 ("copy").
/// A graph constant equal to a placeholder value (about -4.6e18) would be misread; no real shape holds one.
/// </summary>
internal sealed class ShapePlaceholders
{
    private const long First = -(1L << 62);

    /// <summary>Ops whose first input (every input for Concat) is data they move without computing with it.</summary>
    private static readonly HashSet<string> Carriers = ["Concat", "Gather", "Unsqueeze", "Squeeze", "Slice", "Identity", "Reshape", "Flatten", "Split"];

    private readonly Dictionary<long, Dim> _dims = [];
    private readonly Dictionary<string, long> _symbols = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _values = new(StringComparer.Ordinal);

    /// <summary>
    /// For Shape and carrier nodes: their outputs as constants when no placeholder remains (returned), or
    /// remembered with placeholders (null returned). Anything else, or a kernel refusing the values, gives null.
    /// </summary>
    public Tensor[]? Track(Node node, Operator op, int opset, TensorType?[] types, Tensor?[] constants)
    {
        Tensor[] outputs;
        if (node.OpType == "Shape")
        {
            if (types[0]!.Shape is not { } dims)
            {
                return null;
            }

            var (start, end) = Shape.Range(node, opset, dims.Count);
            var values = dims.Skip(start).Take(end - start).Select(d => d.Value ?? Placeholder(d)).ToArray();
            outputs = [Tensor.FromArray(values, values.Length)];
        }
        else if (Carriers.Contains(node.OpType))
        {
            var args = (Tensor?[])constants.Clone();
            bool carriesPlaceholders = false;
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] is null && node.OptionalInput(i) is { } name && (i == 0 || node.OpType == "Concat"))
                {
                    args[i] = _values.GetValueOrDefault(name);
                    carriesPlaceholders |= args[i] is not null;
                }
            }

            if (!carriesPlaceholders || Enumerable.Range(0, args.Length).Any(i => args[i] is null && node.OptionalInput(i) is not null))
            {
                return null;
            }

            try
            {
                outputs = op.Execute(node, opset, args);
            }
            catch (EdgePruneException)
            {
                // The op rejected values it would have accepted as true sizes: leave the output unknown.
                return null;
            }
        }
        else
        {
            return null;
        }

        if (!outputs.Any(t => t.DataType == DataType.Int64 && t.Span<long>().ToArray().Any(_dims.ContainsKey)))
        {
            return outputs;
        }

        for (int k = 0; k < node.Outputs.Length && k < outputs.Length; k++)
        {
            if (node.Outputs[k].Length > 0)
            {
                _values[node.Outputs[k]] = outputs[k];
            }
        }

        return null;
    }

    /// <summary>
    /// The 'shape' value a Reshape asks for with each placeholder replaced by 0, when every placeholder stands
    /// for the symbolic input dimension at its own position (so "copy it" means the same; not with allowzero=1).
    /// </summary>
    public Tensor? AsReshapeCopies(Node node, IReadOnlyList<Dim>? inputShape, string shapeName)
    {
        if (inputShape is null || node.GetInt("allowzero", 0) != 0 || !_values.TryGetValue(shapeName, out var requested))
        {
            return null;
        }

        var values = requested.ToInt64Array();
        for (int i = 0; i < values.Length; i++)
        {
            if (_dims.TryGetValue(values[i], out var dim))
            {
                if (dim.Symbol is null || i >= inputShape.Count || inputShape[i] != dim)
                {
                    return null;
                }

                values[i] = 0;
            }
        }

        return Tensor.FromArray(values, values.Length);
    }

    /// <summary>One placeholder per symbol (equal symbols are equal sizes); a fresh one for every unknown dim.</summary>
    private long Placeholder(Dim dim)
    {
        if (dim.Symbol is { } symbol && _symbols.TryGetValue(symbol, out long known))
        {
            return known;
        }

        long value = First - _dims.Count;
        _dims[value] = dim;
        if (dim.Symbol is { } s)
        {
            _symbols[s] = value;
        }

        return value;
    }
}
