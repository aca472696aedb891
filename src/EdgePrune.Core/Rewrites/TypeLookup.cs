using EdgePrune.Core.Ir;
using EdgePrune.Core.Ops;

namespace EdgePrune.Core.Rewrites;

/// <summary>
/// Value types for passes whose legality depends on a rank or a dimension: the types the graph already
/// carries (inputs, initializers, value_info from the file), then, only when one is missing, whole-graph
/// shape inference, run at most once per pass. Inference needs every op registered; when one is not,
/// missing types stay unknown and the pass refuses to rewrite rather than guess.
/// </summary>
internal sealed class TypeLookup(Graph graph)
{
    private Graph? _inferred;

    public TensorType? TypeOf(string name)
    {
        var declared = graph.TypeOf(name);
        if (declared?.Shape is not null)
        {
            return declared;
        }

        _inferred ??= graph.Nodes.All(n => OpSet.Default.Find(n.Domain, n.OpType) is not null)
            ? ShapeInference.TryInfer(graph).Graph
            : graph;
        return _inferred.TypeOf(name) ?? declared;
    }
}
