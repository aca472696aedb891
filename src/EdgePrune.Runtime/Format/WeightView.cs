using System.Numerics;
using System.Runtime.InteropServices;

namespace EdgePrune.Runtime.Format;

/// <summary>
/// A constant's stored bytes inside the file, viewed as a matrix of <see cref="Rows"/> = shape[0] rows and
/// <see cref="Cols"/> = the product of the other dimensions (docs/format.md "Weight encodings"). Built only by
/// <see cref="Validate"/>, which checks every index and length, so kernels may trust it.
/// </summary>
public sealed class WeightView
{
    private readonly byte[] _file;
    private readonly (int Offset, int Length)[] _ranges;

    private WeightView(byte[] file, (int, int)[] ranges, WeightEncoding encoding, EpbDataType type, int rows, int cols, int p0, int p1, int nnz)
    {
        _file = file;
        _ranges = ranges;
        Encoding = encoding;
        DataType = type;
        Rows = rows;
        Cols = cols;
        P0 = p0;
        P1 = p1;
        StoredCount = nnz;
    }

    public WeightEncoding Encoding { get; }
    public EpbDataType DataType { get; }
    public int Rows { get; }
    public int Cols { get; }

    /// <summary>Block rows (block-sparse) or N (N:M).</summary>
    public int P0 { get; }

    /// <summary>Block columns (block-sparse) or M (N:M).</summary>
    public int P1 { get; }

    /// <summary>Stored values (nonzeros, blocks for block-sparse, kept slots for N:M, all elements for dense and int4).</summary>
    public int StoredCount { get; }

    public ReadOnlySpan<byte> Range(int i) => _file.AsSpan(_ranges[i].Offset, _ranges[i].Length);

    public ReadOnlySpan<float> Floats(int i) => MemoryMarshal.Cast<byte, float>(Range(i));

    public ReadOnlySpan<sbyte> SBytes(int i) => MemoryMarshal.Cast<byte, sbyte>(Range(i));

    public ReadOnlySpan<int> Ints(int i) => MemoryMarshal.Cast<byte, int>(Range(i));

    public ReadOnlySpan<ushort> UShorts(int i) => MemoryMarshal.Cast<byte, ushort>(Range(i));

    /// <summary>Row pointers of CSR or block-sparse (rows + 1 entries).</summary>
    public ReadOnlySpan<int> RowPointers => Ints(0);

    /// <summary>The values range, whatever the encoding.</summary>
    public int ValuesRange => Encoding switch
    {
        WeightEncoding.Dense or WeightEncoding.Int4 => 0,
        WeightEncoding.Bitmask or WeightEncoding.NofM => 1,
        _ => 2,
    };

    /// <summary>Every element as float (int types converted), row-major; used by reference kernels and load-time conversions.</summary>
    public float[] ToDenseFloat()
    {
        var dense = new float[checked(Rows * Cols)];
        Decode((index, storedIndex) => dense[index] = StoredAsFloat(storedIndex));
        return dense;
    }

    /// <summary>Every element as int (int8, int4 or int32 stored values), row-major.</summary>
    public int[] ToDenseInt()
    {
        var dense = new int[checked(Rows * Cols)];
        if (Encoding == WeightEncoding.Int4)
        {
            var packed = Range(0);
            for (int i = 0; i < dense.Length; i++)
            {
                dense[i] = Int4At(packed, i);
            }

            return dense;
        }

        Decode((index, storedIndex) => dense[index] = StoredAsInt(storedIndex));
        return dense;
    }

    /// <summary>The signed 4-bit value at <paramref name="index"/>: low nibble first, two's complement.</summary>
    public static int Int4At(ReadOnlySpan<byte> packed, int index)
    {
        int nibble = (packed[index >> 1] >> ((index & 1) * 4)) & 0xF;
        return (nibble ^ 8) - 8;
    }

    private float StoredAsFloat(int i) => DataType switch
    {
        EpbDataType.Float32 => Floats(ValuesRange)[i],
        EpbDataType.Int8 => Encoding == WeightEncoding.Int4 ? Int4At(Range(0), i) : SBytes(ValuesRange)[i],
        _ => Ints(ValuesRange)[i],
    };

    private int StoredAsInt(int i) => DataType switch
    {
        EpbDataType.Int8 => SBytes(ValuesRange)[i],
        EpbDataType.Int32 => Ints(ValuesRange)[i],
        _ => throw new InvalidOperationException("float weights have no integer view"),
    };

    /// <summary>Calls <paramref name="visit"/>(row-major element index, stored value index) for every stored value.</summary>
    private void Decode(Action<int, int> visit)
    {
        switch (Encoding)
        {
            case WeightEncoding.Dense:
            case WeightEncoding.Int4:
                for (int i = 0; i < Rows * Cols; i++)
                {
                    visit(i, i);
                }

                break;
            case WeightEncoding.Bitmask:
            {
                var mask = Range(0);
                int stored = 0;
                for (int i = 0; i < Rows * Cols; i++)
                {
                    if ((mask[i >> 3] & (1 << (i & 7))) != 0)
                    {
                        visit(i, stored++);
                    }
                }

                break;
            }

            case WeightEncoding.Csr8:
            case WeightEncoding.Csr16:
            {
                var rowPointers = RowPointers;
                for (int r = 0; r < Rows; r++)
                {
                    for (int k = rowPointers[r]; k < rowPointers[r + 1]; k++)
                    {
                        visit(r * Cols + CsrColumn(k), k);
                    }
                }

                break;
            }

            case WeightEncoding.BlockSparse:
            {
                var rowPointers = RowPointers;
                var blockCols = UShorts(1);
                int br = P0, bc = P1;
                for (int blockRow = 0; blockRow < Rows / br; blockRow++)
                {
                    for (int k = rowPointers[blockRow]; k < rowPointers[blockRow + 1]; k++)
                    {
                        for (int i = 0; i < br; i++)
                        {
                            for (int j = 0; j < bc; j++)
                            {
                                visit(((blockRow * br) + i) * Cols + (blockCols[k] * bc) + j, (k * br * bc) + (i * bc) + j);
                            }
                        }
                    }
                }

                break;
            }

            case WeightEncoding.NofM:
            {
                var indices = Range(0);
                int n = P0, m = P1;
                for (int g = 0; g < Rows * Cols / m; g++)
                {
                    for (int s = 0; s < n; s++)
                    {
                        int slot = (g * n) + s;
                        visit((g * m) + NofMIndex(indices, slot), slot);
                    }
                }

                break;
            }
        }
    }

    /// <summary>
    /// The same matrix as CSR with 16-bit columns, for execution: a bitmask is the smaller file but its row scan runs about
    /// 3x slower than CSR's index loads (docs/runtime.md). Null when the columns do not fit 16 bits.
    /// </summary>
    public WeightView? ToCsr16()
    {
        if (Cols > 65536)
        {
            return null;
        }

        int size = TensorRecord.ElementSize(DataType);
        var rowPointers = new int[Rows + 1];
        var columns = new List<ushort>();
        var values = new List<byte>();
        int valuesOffset = _ranges[ValuesRange].Offset;
        Decode((index, stored) =>
        {
            rowPointers[(index / Cols) + 1]++;
            columns.Add((ushort)(index % Cols));
            for (int b = 0; b < size; b++)
            {
                values.Add(_file[valuesOffset + (stored * size) + b]);
            }
        });
        for (int r = 0; r < Rows; r++)
        {
            rowPointers[r + 1] += rowPointers[r];
        }

        byte[][] parts = [MemoryMarshal.AsBytes(rowPointers.AsSpan()).ToArray(), MemoryMarshal.AsBytes(columns.ToArray().AsSpan()).ToArray(), [.. values]];
        var file = new byte[parts.Sum(p => EpbLayout.AlignUp(p.Length, EpbLayout.DataAlignment))];
        var ranges = new (long, long)[3];
        int offset = 0;
        for (int i = 0; i < 3; i++)
        {
            parts[i].CopyTo(file, offset);
            ranges[i] = (offset, parts[i].Length);
            offset += EpbLayout.AlignUp(parts[i].Length, EpbLayout.DataAlignment);
        }

        return Validate(file, 0, file.Length, "execution copy", DataType, [Rows, Cols], Rows * Cols, WeightEncoding.Csr16, 0, 0, columns.Count, ranges);
    }

    public int CsrColumn(int k) => Encoding == WeightEncoding.Csr8 ? Range(1)[k] : UShorts(1)[k];

    /// <summary>The position inside its group of stored slot <paramref name="slot"/>: 2 bits, four per byte, lowest bits first.</summary>
    public static int NofMIndex(ReadOnlySpan<byte> indices, int slot) => (indices[slot >> 2] >> ((slot & 3) * 2)) & 3;

    /// <summary>Checks an encoded constant against its tensor's shape and the weights section, then returns its view.</summary>
    internal static WeightView Validate(
        byte[] file, int weightsOffset, int weightsLength, string tensor, EpbDataType type, int[] shape, int elements,
        WeightEncoding encoding, int p0, int p1, int nnz, (long Offset, long Length)[] rawRanges)
    {
        int rows = shape.Length == 0 ? 1 : shape[0];
        int cols = rows == 0 ? 0 : elements / rows;
        int size = TensorRecord.ElementSize(type);
        EpbFormatException Fail(string problem) => new($"tensor '{tensor}' ({encoding}): {problem}");

        var ranges = new (int Offset, int Length)[rawRanges.Length];
        for (int i = 0; i < rawRanges.Length; i++)
        {
            var (offset, length) = rawRanges[i];
            if (offset < 0 || length < 0 || offset > weightsLength || length > weightsLength - offset)
            {
                throw Fail($"data range {i} [{offset}, +{length}) lies outside the {weightsLength}-byte weights section");
            }

            if (offset % EpbLayout.DataAlignment != 0)
            {
                throw Fail($"data range {i} offset {offset} is not a multiple of {EpbLayout.DataAlignment}");
            }

            ranges[i] = (weightsOffset + (int)offset, (int)length);
        }

        int expectedRanges = encoding switch
        {
            WeightEncoding.Dense or WeightEncoding.Int4 => 1,
            WeightEncoding.Bitmask or WeightEncoding.NofM => 2,
            WeightEncoding.Csr8 or WeightEncoding.Csr16 or WeightEncoding.BlockSparse => 3,
            _ => throw Fail($"unknown encoding {(byte)encoding}"),
        };
        if (ranges.Length != expectedRanges)
        {
            throw Fail($"has {ranges.Length} data ranges; this encoding needs {expectedRanges}");
        }

        void ExpectLength(int range, long expected, string what)
        {
            if (ranges[range].Length != expected)
            {
                throw Fail($"{what} takes {ranges[range].Length} bytes; the shape and value count need {expected}");
            }
        }

        var view = new WeightView(file, ranges, encoding, type, rows, cols, p0, p1, nnz);
        if (nnz < 0)
        {
            throw Fail($"value count {nnz} is negative");
        }

        switch (encoding)
        {
            case WeightEncoding.Dense:
                view = new WeightView(file, ranges, encoding, type, rows, cols, p0, p1, elements);
                ExpectLength(0, (long)elements * size, "the dense data");
                break;
            case WeightEncoding.Int4:
                if (type != EpbDataType.Int8)
                {
                    throw Fail("int4 packing holds int8 tensors only");
                }

                view = new WeightView(file, ranges, encoding, type, rows, cols, p0, p1, elements);
                ExpectLength(0, (elements + 1L) / 2, "the packed nibbles");
                break;
            case WeightEncoding.Bitmask:
            {
                ExpectLength(0, (elements + 7L) / 8, "the bitmask");
                ExpectLength(1, (long)nnz * size, "the packed values");
                var mask = view.Range(0);
                long ones = 0;
                int fullBytes = elements / 8;
                for (int i = 0; i < fullBytes; i++)
                {
                    ones += BitOperations.PopCount(mask[i]);
                }

                if (elements % 8 != 0)
                {
                    int last = mask[fullBytes];
                    if ((last >> (elements % 8)) != 0)
                    {
                        throw Fail("bits past the last element are set");
                    }

                    ones += BitOperations.PopCount((uint)last);
                }

                if (ones != nnz)
                {
                    throw Fail($"the bitmask has {ones} set bits but {nnz} values are stored");
                }

                break;
            }

            case WeightEncoding.Csr8:
            case WeightEncoding.Csr16:
            case WeightEncoding.BlockSparse:
            {
                bool block = encoding == WeightEncoding.BlockSparse;
                int br = block ? p0 : 1, bc = block ? p1 : 1;
                if (br < 1 || bc < 1 || rows % br != 0 || cols % bc != 0)
                {
                    throw Fail($"block {br}x{bc} does not tile the {rows}x{cols} matrix");
                }

                int rowCount = rows / br, colCount = cols / bc;
                ExpectLength(0, (rowCount + 1L) * 4, "the row pointers");
                int indexBytes = encoding == WeightEncoding.Csr8 ? 1 : 2;
                ExpectLength(1, (long)nnz * indexBytes, "the column indices");
                ExpectLength(2, (long)nnz * br * bc * size, "the values");
                var rowPointers = view.RowPointers;
                if (rowPointers[0] != 0 || rowPointers[rowCount] != nnz)
                {
                    throw Fail($"row pointers must start at 0 and end at the value count {nnz}");
                }

                for (int r = 0; r < rowCount; r++)
                {
                    int start = rowPointers[r], end = rowPointers[r + 1];
                    if (end < start || end > nnz)
                    {
                        throw Fail($"row pointer {r + 1} ({end}) is below the previous one or past the value count");
                    }

                    int previous = -1;
                    for (int k = start; k < end; k++)
                    {
                        int col = indexBytes == 1 ? view.Range(1)[k] : view.UShorts(1)[k];
                        if (col >= colCount || col <= previous)
                        {
                            throw Fail($"column index {col} in row {r} is out of range (< {colCount}) or not increasing");
                        }

                        previous = col;
                    }
                }

                break;
            }

            case WeightEncoding.NofM:
            {
                if (p0 < 1 || p1 < p0 || p1 > 4 || cols % p1 != 0)
                {
                    throw Fail($"{p0}:{p1} needs 1 <= N <= M <= 4 and M dividing the {cols} columns");
                }

                long slots = (long)rows * cols / p1 * p0;
                if (nnz != slots)
                {
                    throw Fail($"stores {nnz} values; {p0}:{p1} over {elements} elements keeps {slots}");
                }

                ExpectLength(0, (slots + 3) / 4, "the 2-bit indices");
                ExpectLength(1, slots * size, "the kept values");
                var indices = view.Range(0);
                for (int g = 0; g < slots / p0; g++)
                {
                    int previous = -1;
                    for (int s = 0; s < p0; s++)
                    {
                        int index = NofMIndex(indices, (g * p0) + s);
                        if (index >= p1 || index <= previous)
                        {
                            throw Fail($"group {g} has index {index}, out of range (< {p1}) or not increasing");
                        }

                        previous = index;
                    }
                }

                break;
            }
        }

        return view;
    }
}
