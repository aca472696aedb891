using System.Globalization;
using EdgePrune.Compression.Pruning.Structured;
using EdgePrune.Core.Ops;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Fitting;

/// <summary>
/// The model the fit compresses further: the original, or the original with the same fraction of every removable group's
/// Conv channels and Gemm/MatMul neurons taken out (<see cref="StructuredPruner"/>, L2 ranking). Structured removal is
/// the one compression that shrinks activations, so it is what a model whose arena exceeds the RAM budget needs.
/// </summary>
public sealed record Narrowing(float Fraction, Graph Model, IReadOnlyList<GroupPruning> Groups)
{
    public static Narrowing None(Graph model) => new(0f, model, []);

    public static Narrowing Of(Graph model, float fraction)
    {
        var groups = DependencyGraph.Build(ShapeInference.Infer(model, model.Name)).Groups();
        var graph = model;
        var removed = new List<GroupPruning>();
        foreach (var unit in new[] { StructuredUnit.Channels, StructuredUnit.Neurons })
        {
            if (groups.Any(g => g.IsConvolutional == (unit == StructuredUnit.Channels)))
            {
                var result = StructuredPruner.Prune(graph, new StructuredOptions { Fraction = fraction, Unit = unit });
                graph = result.Graph;
                removed.AddRange(result.Report.Groups);
            }
        }

        return new Narrowing(fraction, graph, removed);
    }

    /// <summary>Whether any channel was removed (a group keeps at least one, and small fractions of small groups remove none).</summary>
    public bool IsNarrowed => Groups.Any(g => g.ChannelsAfter < g.ChannelsBefore);

    /// <summary>"no structured removal", or "20% of channels/neurons removed (Gemm 'fc1' 300→240, …)".</summary>
    public string Describe() => !IsNarrowed
        ? "no structured removal"
        : string.Create(CultureInfo.InvariantCulture, $"{Fraction * 100:0.#}% of channels/neurons removed ({string.Join(", ", Groups.Select(g => $"{g.Layers} {g.ChannelsBefore}→{g.ChannelsAfter}"))})");
}
