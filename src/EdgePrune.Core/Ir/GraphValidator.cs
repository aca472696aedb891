
namespace EdgePrune.Core.Ir;

/// <summary>Structural checks every graph must pass before anything runs on it.</summary>
public static class GraphValidator
{
    /// <summary>
    /// Checks that every value has exactly one producer, every input exists, and there are no cycles;
    /// returns the graph with its nodes in a stable topological order. Lists every problem at once.
    /// </summary>
    public static Graph SortAndCheckStructure(Graph graph, string sourceName)
    {
        var problems = new List<string>();
        var producerOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in graph.Inputs)
        {
            if (!defined.Add(input.Name))
            {
                problems.Add($"graph input '{input.Name}' is declared twice");
            }
        }

        foreach (string name in graph.Initializers.Keys)
        {
            if (!defined.Add(name))
            {
                problems.Add($"'{name}' is both a graph input and an initializer");
            }
        }

        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            var node = graph.Nodes[i];
            foreach (string output in node.Outputs)
            {
                if (output.Length == 0)
                {
                    continue;
                }

                if (defined.Contains(output) || producerOf.ContainsKey(output))
                {
                    problems.Add($"{node.Describe()}: output '{output}' is already produced elsewhere (every value must have one producer)");
                }
                else
                {
                    producerOf[output] = i;
                }
            }
        }

        var consumersOf = new List<int>[graph.Nodes.Length];
        var pending = new int[graph.Nodes.Length];
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            consumersOf[i] = [];
        }

        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            var node = graph.Nodes[i];
            foreach (string input in node.Inputs.Where(n => n.Length > 0).Distinct())
            {
                if (producerOf.TryGetValue(input, out int p))
                {
                    consumersOf[p].Add(i);
                    pending[i]++;
                }
                else if (!defined.Contains(input))
                {
                    problems.Add($"{node.Describe()}: input '{input}' is not produced by any node, graph input or initializer (dangling input)");
                }
            }
        }

        foreach (var output in graph.Outputs)
        {
            if (!producerOf.ContainsKey(output.Name) && !defined.Contains(output.Name))
            {
                problems.Add($"graph output '{output.Name}' is not produced by any node");
            }
        }

        if (graph.Outputs.Length == 0)
        {
            problems.Add("the graph has no outputs");
        }

        // Kahn's algorithm, always taking the lowest original index so an already sorted graph keeps its order.
        var ready = new PriorityQueue<int, int>();
        for (int i = 0; i < pending.Length; i++)
        {
            if (pending[i] == 0)
            {
                ready.Enqueue(i, i);
            }
        }

        var order = new List<int>(graph.Nodes.Length);
        while (ready.TryDequeue(out int i, out _))
        {
            order.Add(i);
            foreach (int c in consumersOf[i])
            {
                if (--pending[c] == 0)
                {
                    ready.Enqueue(c, c);
                }
            }
        }

        if (order.Count < graph.Nodes.Length && problems.Count == 0)
        {
            var inCycle = Enumerable.Range(0, graph.Nodes.Length).Where(i => pending[i] > 0).Select(i => graph.Nodes[i].Describe());
            problems.Add($"the graph has a cycle through: {string.Join(", ", inCycle.Take(10))}");
        }

        if (problems.Count > 0)
        {
            throw new EdgePruneException($"{sourceName}: malformed graph:" + Environment.NewLine
                + string.Join(Environment.NewLine, problems.Take(50).Select(p => "  - " + p))
                + (problems.Count > 50 ? Environment.NewLine + $"  ... and {problems.Count - 50} more" : ""));
        }

        return order.SequenceEqual(Enumerable.Range(0, order.Count))
            ? graph
            : graph with { Nodes = [.. order.Select(i => graph.Nodes[i])] };
    }
}
