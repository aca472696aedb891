using System.Collections.Immutable;

namespace EdgePrune.Compression.Sensitivity;

/// <summary>One <see cref="LayerOption"/> per weighted layer, keyed by the layer's weight initializer name.</summary>
public sealed record CompressionRecipe(ImmutableDictionary<string, LayerOption> Layers)
{
    /// <summary>The same option for every layer.</summary>
    public static CompressionRecipe Uniform(IEnumerable<string> weights, LayerOption option) =>
        new(weights.ToImmutableDictionary(w => w, _ => option, StringComparer.Ordinal));

    public CompressionRecipe With(string weight, LayerOption option) => new(Layers.SetItem(weight, option));

    public LayerOption this[string weight] => Layers.GetValueOrDefault(weight) ?? LayerOption.Dense8;

    public bool IsPruned => Layers.Values.Any(o => o.IsPruned);

    public bool Equals(CompressionRecipe? other) =>
        other is not null && other.Layers.Count == Layers.Count && Layers.All(kv => other.Layers.TryGetValue(kv.Key, out var o) && o == kv.Value);

    public override int GetHashCode() => Layers.Count;

    /// <summary>"fc1 90% int8, fc2 dense int4" in the order of <paramref name="order"/>.</summary>
    public string Describe(IEnumerable<(string Weight, string Label)> order) =>
        string.Join(", ", order.Select(o => $"{o.Label} {this[o.Weight]}"));
}
