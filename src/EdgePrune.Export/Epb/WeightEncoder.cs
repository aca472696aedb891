using EdgePrune.Runtime.Format;

namespace EdgePrune.Export.Epb;

/// <summary>A constant laid out in one encoding: its parameters and the byte ranges that go to the weights section.</summary>
public sealed record EncodedWeight(WeightEncoding Encoding, int P0, int P1, int StoredCount, byte[][] Ranges)
{
    /// <summary>Bytes the ranges take, without the alignment padding between them.</summary>
    public long Bytes => Ranges.Sum(r => (long)r.Length);
}

/// <summary>
/// Lays a constant out in every encoding that holds it exactly (docs/format.md "Weight encodings") and keeps the
/// smallest, counting the 16-byte alignment of each range, or (<see cref="EncodingGoal.Speed"/>) the fastest by
/// <see cref="WeightEncoderCost"/> among those no larger than dense; ties go to the smaller, then the simpler encoding
/// (listed first). Matrices are [rows = shape[0], cols = the rest].
/// </summary>
public static class WeightEncoder
{
    private static readonly (int Rows, int Cols)[] BlockShapes = [(1, 4), (1, 8), (4, 1), (2, 2), (4, 4)];

    /// <param name="raw">the elements row-major, <paramref name="elementSize"/> bytes each, little-endian.</param>
    /// <param name="int8Values">the values when the tensor is int8 (for int4 packing), else null.</param>
    public static EncodedWeight Choose(byte[] raw, int elementSize, int rows, sbyte[]? int8Values, bool allowSparse, EncodingGoal goal = EncodingGoal.Size)
    {
        var candidates = Candidates(raw, elementSize, rows, int8Values, allowSparse);
        if (goal == EncodingGoal.Size)
        {
            return candidates.MinBy(AlignedBytes)!;
        }

        int cols = rows == 0 ? 0 : raw.Length / elementSize / rows;
        long denseBytes = AlignedBytes(candidates[0]);
        return candidates.Where(c => AlignedBytes(c) <= denseBytes)
            .OrderBy(c => WeightEncoderCost.Instructions(c, rows, cols))
            .ThenBy(AlignedBytes)
            .First();
    }

    private static long AlignedBytes(EncodedWeight encoded) => encoded.Ranges.Sum(r => EpbLayout.AlignUp((long)r.Length, EpbLayout.DataAlignment));

    /// <summary>Every encoding that holds the constant exactly, simplest first.</summary>
    public static IReadOnlyList<EncodedWeight> Candidates(byte[] raw, int elementSize, int rows, sbyte[]? int8Values, bool allowSparse)
    {
        int count = raw.Length / elementSize;
        int cols = rows == 0 ? 0 : count / rows;
        var nonzero = new bool[count];
        for (int i = 0; i < count; i++)
        {
            nonzero[i] = raw.AsSpan(i * elementSize, elementSize).IndexOfAnyExcept((byte)0) >= 0;
        }

        var candidates = new List<EncodedWeight> { Dense(raw) };
        if (int8Values is not null && int8Values.All(v => v >= -8 && v <= 7))
        {
            candidates.Add(Int4(int8Values));
        }

        if (allowSparse)
        {
            candidates.Add(Bitmask(raw, elementSize, nonzero));
            if (cols <= 256)
            {
                candidates.Add(Csr(raw, elementSize, nonzero, rows, cols, 1, 1, WeightEncoding.Csr8));
            }

            if (cols <= 65536)
            {
                candidates.Add(Csr(raw, elementSize, nonzero, rows, cols, 1, 1, WeightEncoding.Csr16));
            }

            foreach (var (br, bc) in BlockShapes.Where(b => rows % b.Rows == 0 && cols % b.Cols == 0 && cols / b.Cols <= 65536))
            {
                candidates.Add(Csr(raw, elementSize, nonzero, rows, cols, br, bc, WeightEncoding.BlockSparse));
            }

            if (cols % 4 == 0)
            {
                int maxPerGroup = 0;
                for (int g = 0; g < count / 4; g++)
                {
                    maxPerGroup = Math.Max(maxPerGroup, nonzero.Skip(g * 4).Take(4).Count(b => b));
                }

                if (maxPerGroup < 4)
                {
                    candidates.Add(NofM(raw, elementSize, nonzero, Math.Max(1, maxPerGroup), 4));
                }
            }
        }

        return candidates;
    }

    public static EncodedWeight Dense(byte[] raw) => new(WeightEncoding.Dense, 0, 0, 0, [raw]);

    private static EncodedWeight Int4(sbyte[] values)
    {
        var packed = new byte[(values.Length + 1) / 2];
        for (int i = 0; i < values.Length; i++)
        {
            packed[i >> 1] |= (byte)((values[i] & 0xF) << ((i & 1) * 4));
        }

        return new(WeightEncoding.Int4, 0, 0, 0, [packed]);
    }

    private static EncodedWeight Bitmask(byte[] raw, int size, bool[] nonzero)
    {
        var mask = new byte[(nonzero.Length + 7) / 8];
        var values = new MemoryStream();
        int stored = 0;
        for (int i = 0; i < nonzero.Length; i++)
        {
            if (nonzero[i])
            {
                mask[i >> 3] |= (byte)(1 << (i & 7));
                values.Write(raw, i * size, size);
                stored++;
            }
        }

        return new(WeightEncoding.Bitmask, 0, 0, stored, [mask, values.ToArray()]);
    }

    /// <summary>CSR (1×1 blocks, 8- or 16-bit column indices) or block-sparse (br×bc blocks, 16-bit block columns): a block is stored when any of its elements is nonzero.</summary>
    private static EncodedWeight Csr(byte[] raw, int size, bool[] nonzero, int rows, int cols, int br, int bc, WeightEncoding encoding)
    {
        var rowPointers = new MemoryStream();
        var columns = new MemoryStream();
        var values = new MemoryStream();
        var pointer = new BinaryWriter(rowPointers);
        var column = new BinaryWriter(columns);
        int stored = 0;
        pointer.Write(0);
        for (int blockRow = 0; blockRow < rows / br; blockRow++)
        {
            for (int blockCol = 0; blockCol < cols / bc; blockCol++)
            {
                bool any = false;
                for (int i = 0; i < br && !any; i++)
                {
                    for (int j = 0; j < bc && !any; j++)
                    {
                        any = nonzero[((blockRow * br) + i) * cols + (blockCol * bc) + j];
                    }
                }

                if (!any)
                {
                    continue;
                }

                if (encoding == WeightEncoding.Csr8)
                {
                    column.Write((byte)blockCol);
                }
                else
                {
                    column.Write((ushort)blockCol);
                }

                for (int i = 0; i < br; i++)
                {
                    values.Write(raw, (((blockRow * br) + i) * cols + (blockCol * bc)) * size, bc * size);
                }

                stored++;
            }

            pointer.Write(stored);
        }

        return new(encoding, encoding == WeightEncoding.BlockSparse ? br : 0, encoding == WeightEncoding.BlockSparse ? bc : 0, stored, [rowPointers.ToArray(), columns.ToArray(), values.ToArray()]);
    }

    /// <summary>N of every M consecutive elements kept with 2-bit in-group positions; groups with fewer nonzeros pad with zero-valued slots at unused positions.</summary>
    private static EncodedWeight NofM(byte[] raw, int size, bool[] nonzero, int n, int m)
    {
        int groups = nonzero.Length / m;
        var indices = new byte[((groups * n) + 3) / 4];
        var values = new byte[groups * n * size];
        int slot = 0;
        for (int g = 0; g < groups; g++)
        {
            var kept = Enumerable.Range(0, m).Where(i => nonzero[(g * m) + i]).ToList();
            foreach (int spare in Enumerable.Range(0, m).Where(i => !nonzero[(g * m) + i]))
            {
                if (kept.Count == n)
                {
                    break;
                }

                kept.Add(spare);
            }

            kept.Sort();
            foreach (int position in kept)
            {
                indices[slot >> 2] |= (byte)(position << ((slot & 3) * 2));
                Array.Copy(raw, ((g * m) + position) * size, values, slot * size, size);
                slot++;
            }
        }

        return new(WeightEncoding.NofM, n, m, slot, [indices, values]);
    }
}
