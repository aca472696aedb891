using EdgePrune.Core;
using EdgePrune.Core.Inspection;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;

namespace EdgePrune.Compression.Pruning.Structured;

/// <summary>
/// Removes whole output channels of Conv (neurons of Gemm/MatMul) and shrinks every tensor that sees them: the
/// producing weights and biases, BatchNorm parameters, per-channel constants, depthwise filters and the input columns
/// or channels of each consumer (through Concat offsets and Flatten blocks). Channels tied by residual Adds, Concat or
/// depthwise Conv go together (<see cref="DependencyGraph"/>), so the result is a valid, smaller model.
/// </summary>
public static class StructuredPruner
{
    public static StructuredResult Prune(Graph graph, StructuredOptions options)
    {
        options.Validate();
        if (options.Unit == StructuredUnit.Layers)
        {
            return ResidualBlockRemover.Prune(graph, options.Fraction);
        }

        var inferred = ShapeInference.Infer(graph, graph.Name);
        var dependencies = DependencyGraph.Build(inferred);
        var groups = dependencies.Groups().Where(g => g.IsConvolutional == (options.Unit == StructuredUnit.Channels)).ToList();
        if (groups.Count == 0)
        {
            string what = options.Unit == StructuredUnit.Channels ? "Conv output channels" : "Gemm/MatMul neurons";
            throw new EdgePruneException($"graph '{graph.Name}' has no {what} that can be removed: every candidate reaches a graph input or output, or an op whose channels cannot be traced");
        }

        var removed = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        var report = new List<GroupPruning>();
        foreach (var group in groups)
        {
            var scores = group.Channels.Select(c => Score(inferred, c, options.Importance)).ToArray();
            int cut = Math.Min((int)Math.Floor(options.Fraction * group.Channels.Count), group.Channels.Count - 1);
            foreach (int c in Enumerable.Range(0, scores.Length).OrderBy(i => scores[i]).ThenBy(i => i).Take(cut))
            {
                foreach (var (value, channel) in group.Channels[c])
                {
                    if (!removed.TryGetValue(value, out var set))
                    {
                        removed[value] = set = [];
                    }

                    set.Add(channel);
                }
            }

            report.Add(new GroupPruning(group.Describe(), group.Channels.Count, group.Channels.Count - cut));
        }

        var pruned = Rewrite(inferred, dependencies, removed);
        var before = ModelInspector.Inspect(new Model { Graph = graph }, graph.Name);
        var after = ModelInspector.Inspect(new Model { Graph = pruned }, graph.Name);
        return new StructuredResult(pruned, new StructuredReport(options.Unit, report, before.TotalParameters, after.TotalParameters, before.TotalMacs, after.TotalMacs));
    }

    /// <summary>Importance of one channel class over every layer it belongs to.</summary>
    private static double Score(Graph graph, IReadOnlyList<(string Value, int Channel)> atoms, ChannelImportance importance)
    {
        if (importance == ChannelImportance.BatchNormScale)
        {
            double gamma = 0;
            bool found = false;
            foreach (var (value, channel) in atoms)
            {
                foreach (var bn in graph.Consumers(value).Where(n => n.OpType == "BatchNormalization" && n.Inputs[0] == value))
                {
                    gamma += Math.Abs(graph.Initializers[bn.Inputs[1]].Span<float>()[channel]);
                    found = true;
                }
            }

            if (found)
            {
                return gamma;
            }
        }

        double sum = 0;
        foreach (var (value, channel) in atoms)
        {
            if (graph.Producer(value) is not { } node || node.OpType is not ("Conv" or "Gemm" or "MatMul"))
            {
                continue;
            }

            var w = graph.Initializers[node.Inputs[1]];
            var data = w.Span<float>();
            double channelSum = 0;
            foreach (int index in OutputIndices(node, w, channel))
            {
                channelSum += importance == ChannelImportance.L1 ? Math.Abs(data[index]) : (double)data[index] * data[index];
            }

            sum += importance == ChannelImportance.L1 ? channelSum : Math.Sqrt(channelSum);
        }

        return sum;
    }

    /// <summary>Indices in the stored weight of output <paramref name="output"/>'s weights.</summary>
    private static IEnumerable<int> OutputIndices(Node node, Tensor w, int output)
    {
        bool outputMajor = node.OpType == "Conv" || (node.OpType == "Gemm" && node.GetInt("transB", 0) != 0);
        if (outputMajor)
        {
            int size = w.ElementCount / w.Shape[0];
            return Enumerable.Range(output * size, size);
        }

        int outputs = w.Shape[1];
        return Enumerable.Range(0, w.Shape[0]).Select(k => k * outputs + output);
    }

    private static Graph Rewrite(Graph graph, DependencyGraph dependencies, Dictionary<string, HashSet<int>> removed)
    {
        int[]? Kept(string value) => removed.TryGetValue(value, out var gone) && dependencies.ChannelsOf(value) is { } n
            ? Enumerable.Range(0, n).Where(c => !gone.Contains(c)).ToArray()
            : null;

        var initializers = graph.Initializers;
        var nodes = graph.Nodes.ToBuilder();
        void Set(string name, Tensor tensor) => initializers = initializers.SetItem(name, tensor);

        foreach (var (node, kind) in dependencies.Layers)
        {
            var keepIn = Kept(node.Inputs[0]);
            var keepOut = Kept(node.Outputs[0]);
            switch (kind)
            {
                case DependencyGraph.LayerKind.Dense:
                    string weight = node.Inputs[1];
                    var w = graph.Initializers[weight];
                    if (node.OpType == "Conv" || (node.OpType == "Gemm" && node.GetInt("transB", 0) != 0))
                    {
                        Set(weight, TensorSlicing.Slice(TensorSlicing.Slice(w, 0, keepOut), 1, keepIn));
                    }
                    else
                    {
                        Set(weight, TensorSlicing.Slice(TensorSlicing.Slice(w, 0, keepIn), 1, keepOut));
                    }

                    if (node.OptionalInput(2) is { } bias && keepOut is not null)
                    {
                        var b = graph.Initializers[bias];
                        if (b.Rank > 0 && b.Shape[^1] > 1)
                        {
                            Set(bias, TensorSlicing.Slice(b, b.Rank - 1, keepOut));
                        }
                    }

                    break;
                case DependencyGraph.LayerKind.Depthwise when keepOut is not null:
                    Set(node.Inputs[1], TensorSlicing.Slice(graph.Initializers[node.Inputs[1]], 0, keepOut));
                    if (node.OptionalInput(2) is { } depthwiseBias)
                    {
                        Set(depthwiseBias, TensorSlicing.Slice(graph.Initializers[depthwiseBias], 0, keepOut));
                    }

                    nodes[graph.Nodes.IndexOf(node)] = node.WithAttribute("group", AttributeValue.Of((long)keepOut.Length));
                    break;
                case DependencyGraph.LayerKind.ChannelParameters when keepOut is not null:
                    int rank = graph.TypeOf(node.Outputs[0])!.Rank!.Value;
                    foreach (string input in node.Inputs.Skip(node.OpType == "BatchNormalization" ? 1 : 0))
                    {
                        if (graph.Initializers.TryGetValue(input, out var constant))
                        {
                            int axis = node.OpType == "BatchNormalization" ? 0 : 1 - (rank - constant.Rank);
                            if (axis >= 0 && constant.Shape[axis] > 1)
                            {
                                Set(input, TensorSlicing.Slice(constant, axis, keepOut));
                            }
                        }
                    }

                    break;
            }
        }

        var rewritten = graph with { Initializers = initializers, Nodes = nodes.ToImmutable(), ValueTypes = graph.ValueTypes.Clear() };
        return ShapeInference.Infer(rewritten, graph.Name);
    }
}
