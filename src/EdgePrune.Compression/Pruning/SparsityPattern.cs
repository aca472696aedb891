using System.Globalization;
using EdgePrune.Core;

namespace EdgePrune.Compression.Pruning;

/// <summary>Which weights may be zeroed together.</summary>
public enum PatternKind
{
    /// <summary>Any single weight (a 1×1 block).</summary>
    Unstructured,

    /// <summary>At most N nonzeros in every group of M consecutive weights along the input dimension.</summary>
    NOfM,

    /// <summary>Whole blocks of <c>Rows</c> outputs × <c>Columns</c> inputs.</summary>
    Block,
}

/// <summary>A sparsity pattern: unstructured, N:M (2:4, 1:4, 4:8) or block R×C.</summary>
public sealed record SparsityPattern(PatternKind Kind, int N = 0, int M = 0, int Rows = 1, int Columns = 1)
{
    public static SparsityPattern Unstructured { get; } = new(PatternKind.Unstructured);

    /// <summary>The N:M patterns sparse tensor cores and their MCU ports implement.</summary>
    public static IReadOnlyList<(int N, int M)> SupportedNOfM { get; } = [(2, 4), (1, 4), (4, 8)];

    /// <summary>The sparsity an N:M pattern implies (every group loses M − N weights).</summary>
    public float ImpliedSparsity => Kind == PatternKind.NOfM ? 1f - (float)N / M : float.NaN;

    /// <summary>Parses "unstructured", "2:4", "1:4", "4:8" or "block:RxC".</summary>
    public static SparsityPattern Parse(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t == "unstructured")
        {
            return Unstructured;
        }

        if (t.StartsWith("block:", StringComparison.Ordinal))
        {
            string[] parts = t["block:".Length..].Split('x');
            if (parts.Length == 2 && TryPositive(parts[0], out int r) && TryPositive(parts[1], out int c))
            {
                return new SparsityPattern(PatternKind.Block, Rows: r, Columns: c);
            }
        }

        string[] nm = t.Split(':');
        if (nm.Length == 2 && TryPositive(nm[0], out int n) && TryPositive(nm[1], out int m) && SupportedNOfM.Contains((n, m)))
        {
            return new SparsityPattern(PatternKind.NOfM, n, m);
        }

        throw new EdgePruneException($"unknown sparsity pattern '{text}': use unstructured, 2:4, 1:4, 4:8 or block:RxC (e.g. block:4x4)");
    }

    public override string ToString() => Kind switch
    {
        PatternKind.Unstructured => "unstructured",
        PatternKind.NOfM => $"{N}:{M}",
        _ => $"block:{Rows}x{Columns}",
    };

    private static bool TryPositive(string s, out int value) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
}
