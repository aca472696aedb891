using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Rewrites;

/// <summary>
/// A graph rewrite: a function from graph to graph that keeps the graph's outputs (up to float rounding
/// where its doc says so). It never mutates its input, and returns the very same instance when it finds
/// nothing to change, which is how <see cref="RewritePipeline"/> detects its fixed point.
/// </summary>
public interface IGraphPass
{
    /// <summary>Short name for logs and reports ("fold-batchnorm").</summary>
    string Name { get; }

    Graph Apply(Graph graph);
}
