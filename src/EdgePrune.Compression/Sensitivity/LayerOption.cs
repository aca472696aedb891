using System.Globalization;
using EdgePrune.Compression.Pruning;

namespace EdgePrune.Compression.Sensitivity;

/// <summary>How one weighted layer is compressed: which weights are zeroed (pattern and fraction) and how many bits the rest keep.</summary>
public sealed record LayerOption(SparsityPattern Pattern, float Sparsity, int Bits)
{
    /// <summary>The uncompressed choice: every weight kept, int8.</summary>
    public static LayerOption Dense8 { get; } = new(SparsityPattern.Unstructured, 0f, 8);

    public bool IsPruned => Sparsity > 0;

    /// <summary>
    /// Every option the analysis and the fit search consider: dense and each unstructured sparsity of
    /// <paramref name="sparsities"/> and each N:M pattern of <paramref name="nOfM"/>, each with int8 and int4 weights.
    /// </summary>
    public static IReadOnlyList<LayerOption> Grid(IReadOnlyList<float> sparsities, IReadOnlyList<SparsityPattern> nOfM)
    {
        var options = new List<LayerOption>();
        foreach (int bits in new[] { 8, 4 })
        {
            options.Add(new LayerOption(SparsityPattern.Unstructured, 0f, bits));
            options.AddRange(sparsities.Select(s => new LayerOption(SparsityPattern.Unstructured, s, bits)));
            options.AddRange(nOfM.Select(p => new LayerOption(p, p.ImpliedSparsity, bits)));
        }

        return options;
    }

    /// <summary>Short text for tables: "dense int8", "90% int8", "2:4 int4".</summary>
    public override string ToString() => !IsPruned
        ? $"dense int{Bits}"
        : Pattern.Kind == PatternKind.Unstructured
            ? string.Create(CultureInfo.InvariantCulture, $"{Sparsity * 100:0.#}% int{Bits}")
            : $"{Pattern} int{Bits}";
}
