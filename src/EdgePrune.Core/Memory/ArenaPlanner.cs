using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;

namespace EdgePrune.Core.Memory;

/// <summary>
/// Plans one static arena for a graph's activations, greedy by size as TensorFlow Lite Micro's
/// GreedyMemoryPlanner does:
/// <list type="number">
/// <item>Every non-constant value (graph inputs and node outputs, never initializers) gets a lifetime in
/// execution steps (node indices in topological order): from the step of its producer (step 0 for graph
/// inputs) to the step of its last consumer; graph outputs live to the last step; a value nobody reads
/// still lives during the step that writes it.</item>
/// <item>Buffers are sorted by size, largest first (ties: earlier first step, then name, so plans are
/// reproducible).</item>
/// <item>Each buffer goes to the lowest offset, a multiple of <see cref="Alignment"/>, at which it shares no
/// byte with an already placed buffer whose lifetime intersects its own.</item>
/// </list>
/// A node's inputs and outputs are live at the same step, so no buffer is reused in place. The greedy
/// order is a heuristic: the arena it yields is at least the largest sum of sizes live at one step, and
/// can exceed the optimum (finding the optimum is NP-hard). Sizes need concrete shapes: symbolic and
/// unknown dimensions are taken as 1 (see <see cref="ConcreteShapes"/>).
/// </summary>
public static class ArenaPlanner
{
    /// <summary>Every buffer offset is a multiple of this many bytes (enough for 128-bit SIMD loads).</summary>
    public const int Alignment = 16;

    /// <summary>Plans the activations of <paramref name="graph"/>; runs shape inference first when value types are missing.</summary>
    public static ArenaPlan Plan(Graph graph, string sourceName) => Plan(Requests(graph, sourceName));

    /// <summary>The buffer requests (size and lifetime of every value computed from the graph inputs) of a graph.</summary>
    public static IReadOnlyList<BufferRequest> Requests(Graph graph, string sourceName)
    {
        var typed = graph.Nodes.SelectMany(n => n.Outputs).Any(o => o.Length > 0 && graph.TypeOf(o) is null)
            ? ShapeInference.Infer(graph, sourceName)
            : graph;
        int lastStep = Math.Max(0, typed.Nodes.Length - 1);
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var input in typed.Inputs)
        {
            first.TryAdd(input.Name, 0);
            last.TryAdd(input.Name, 0);
        }

        // A node that reads only constants (DequantizeLinear of int8 weights in a QDQ model) computes a constant:
        // the device stores it with the weights, or folds it, instead of holding it in the arena.
        var constants = new HashSet<string>(typed.Initializers.Keys.Where(name => !first.ContainsKey(name)), StringComparer.Ordinal);
        for (int step = 0; step < typed.Nodes.Length; step++)
        {
            var node = typed.Nodes[step];
            if (node.Inputs.All(i => i.Length == 0 || constants.Contains(i)))
            {
                constants.UnionWith(node.Outputs.Where(o => o.Length > 0));
                continue;
            }

            foreach (string input in node.Inputs)
            {
                if (first.ContainsKey(input))
                {
                    last[input] = step;
                }
            }

            foreach (string output in node.Outputs.Where(o => o.Length > 0))
            {
                first[output] = step;
                last[output] = step;
            }
        }

        foreach (var output in typed.Outputs)
        {
            if (first.ContainsKey(output.Name))
            {
                last[output.Name] = lastStep;
            }
        }

        return first.Keys
            .Select(name => new BufferRequest(name, ByteSize(typed, name, sourceName), first[name], last[name]))
            .ToList();
    }

    /// <summary>Places the requested buffers; see the class summary for the algorithm.</summary>
    public static ArenaPlan Plan(IReadOnlyList<BufferRequest> requests)
    {
        var placed = new List<PlannedBuffer>(requests.Count);
        var order = requests
            .OrderByDescending(r => r.SizeBytes)
            .ThenBy(r => r.FirstStep)
            .ThenBy(r => r.Name, StringComparer.Ordinal);
        foreach (var request in order)
        {
            if (request.SizeBytes < 0 || request.FirstStep > request.LastStep)
            {
                throw new EdgePruneException($"buffer '{request.Name}': size {request.SizeBytes} or lifetime {request.FirstStep}..{request.LastStep} is invalid");
            }

            long offset = 0;
            if (request.SizeBytes > 0)
            {
                var conflicts = placed
                    .Where(p => p.SizeBytes > 0 && p.FirstStep <= request.LastStep && request.FirstStep <= p.LastStep)
                    .OrderBy(p => p.Offset);
                foreach (var conflict in conflicts)
                {
                    if (offset + request.SizeBytes <= conflict.Offset)
                    {
                        break;
                    }

                    offset = Math.Max(offset, AlignUp(conflict.End));
                }
            }

            placed.Add(new PlannedBuffer(request.Name, offset, request.SizeBytes, request.FirstStep, request.LastStep));
        }

        return new ArenaPlan(placed, placed.Count == 0 ? 0 : placed.Max(p => p.End));
    }

    private static long AlignUp(long offset) => (offset + Alignment - 1) / Alignment * Alignment;

    private static long ByteSize(Graph graph, string name, string sourceName)
    {
        var type = graph.TypeOf(name)
            ?? throw new EdgePruneException($"{sourceName}: the type of value '{name}' could not be inferred, so its arena buffer cannot be sized");
        try
        {
            return ConcreteShapes.ByteSize(type, name);
        }
        catch (EdgePruneException e)
        {
            throw new EdgePruneException($"{sourceName}: {e.Message}", e);
        }
    }
}
