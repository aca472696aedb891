namespace EdgePrune.Compression.Quantization;

/// <summary>How a layer's quantized weights are stored (DESIGN.md "Sparse storage"); byte counts in docs/quantization.md.</summary>
public enum SparseEncoding
{
    /// <summary>Every value, ⌈n·bits/8⌉ bytes.</summary>
    Dense,

    /// <summary>One bit per weight (1 = non-zero), then the non-zero values packed: ⌈n/8⌉ + ⌈nnz·bits/8⌉.</summary>
    Bitmask,

    /// <summary>Per output channel, row pointers (16-bit, or 32-bit past 65 535 non-zeros), 8-bit column indices, packed values.</summary>
    Csr8,

    /// <summary>As <see cref="Csr8"/> with 16-bit column indices (rows longer than 256).</summary>
    Csr16,
}

/// <summary>The bytes one layer's quantized weights cost, in its smallest encoding, plus its per-channel scales and int32 bias.</summary>
public sealed record LayerStorage(string Layer, int Bits, int Elements, int NonZeros, int Channels, SparseEncoding Encoding, long WeightBytes, long ParameterBytes)
{
    public long TotalBytes => WeightBytes + ParameterBytes;

    /// <summary>Sizes every encoding of <paramref name="weights"/> and keeps the smallest (ties go to the simpler encoding).</summary>
    public static LayerStorage Of(string layer, QuantizedWeights weights, bool hasBias)
    {
        int n = weights.Values.Length;
        int nnz = weights.NonZeroCount;
        int rows = weights.Channels;
        int rowLength = n / rows;
        long values = ((long)nnz * weights.Bits + 7) / 8;
        int rowPointer = nnz <= ushort.MaxValue ? 2 : 4;
        var candidates = new List<(SparseEncoding, long)>
        {
            (SparseEncoding.Dense, ((long)n * weights.Bits + 7) / 8),
            (SparseEncoding.Bitmask, (n + 7) / 8 + values),
        };
        if (rowLength <= 256)
        {
            candidates.Add((SparseEncoding.Csr8, (long)(rows + 1) * rowPointer + nnz + values));
        }
        else if (rowLength <= 65536)
        {
            candidates.Add((SparseEncoding.Csr16, (long)(rows + 1) * rowPointer + 2L * nnz + values));
        }

        var (encoding, bytes) = candidates.MinBy(c => c.Item2);
        long parameters = 4L * rows * (hasBias ? 2 : 1);
        return new LayerStorage(layer, weights.Bits, n, nnz, rows, encoding, bytes, parameters);
    }

    /// <summary>Storage of every weighted step of <paramref name="model"/>.</summary>
    public static IReadOnlyList<LayerStorage> Of(QuantizedModel model) =>
        [.. model.Steps.Where(s => s.Weights is not null).Select(s => Of(s.Node.Name, s.Weights!, s.Bias is not null))];
}
