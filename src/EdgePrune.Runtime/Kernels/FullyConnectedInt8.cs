using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgePrune.Runtime.Format;

namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// TFLite's int8 fully connected: acc = bias[n] + Σ_k W[n, k]·(x[k] + input_offset), then per-channel requantization.
/// The fast path folds input_offset·Σ_k W[n, k] into the bias at load (<see cref="FoldedBias"/>): in wrapping int32
/// arithmetic this is the same sum, so results stay bit-identical to <see cref="Reference"/>.
/// </summary>
public static class FullyConnectedInt8
{
    /// <summary>bias[n] + input_offset · Σ_k W[n, k] for every row; bias may be empty (zero).</summary>
    public static int[] FoldedBias(WeightView w, ReadOnlySpan<int> bias, int inputOffset)
    {
        var dense = w.ToDenseInt();
        var folded = new int[w.Rows];
        for (int n = 0; n < w.Rows; n++)
        {
            int sum = 0;
            for (int k = 0; k < w.Cols; k++)
            {
                sum += dense[(n * w.Cols) + k];
            }

            folded[n] = unchecked((bias.IsEmpty ? 0 : bias[n]) + (inputOffset * sum));
        }

        return folded;
    }

    /// <summary>Outputs whose accumulators live on the stack at a time, requantized together (eight at a time on AVX2).</summary>
    private const int OutputChunk = 128;

    public static void Run(WeightView w, ReadOnlySpan<sbyte> x, ReadOnlySpan<int> foldedBias, Requantization q, Span<sbyte> y, int batch)
    {
        int n = w.Rows, k = w.Cols;
        Span<int> chunk = stackalloc int[Math.Min(n, OutputChunk)];
        for (int m = 0; m < batch; m++)
        {
            var xRow = x.Slice(m * k, k);
            var yRow = y.Slice(m * n, n);
            int bitmaskValue = 0;
            for (int first = 0; first < n; first += OutputChunk)
            {
                var acc = chunk[..Math.Min(OutputChunk, n - first)];
                switch (w.Encoding)
                {
                    case WeightEncoding.Dense:
                        Dense(w.SBytes(0), xRow, first, acc);
                        break;
                    case WeightEncoding.Csr8:
                        Csr(w.RowPointers, w.Range(1), w.SBytes(2), xRow, first, acc);
                        break;
                    case WeightEncoding.Csr16:
                        Csr(w.RowPointers, w.UShorts(1), w.SBytes(2), xRow, first, acc);
                        break;
                    case WeightEncoding.Bitmask:
                        Bitmask(w.Range(0), w.SBytes(1), k, xRow, first, acc, ref bitmaskValue);
                        break;
                    case WeightEncoding.BlockSparse when w.P0 == 1 && w.P1 == 8:
                        RowBlocks<ulong>(w.RowPointers, w.UShorts(1), w.SBytes(2), xRow, first, acc);
                        break;
                    case WeightEncoding.BlockSparse when w.P0 == 1 && w.P1 == 4:
                        RowBlocks<uint>(w.RowPointers, w.UShorts(1), w.SBytes(2), xRow, first, acc);
                        break;
                    default:
                        for (int i = 0; i < acc.Length; i++)
                        {
                            int o = first + i;
                            acc[i] = w.Encoding switch
                            {
                                WeightEncoding.Int4 => Int4Row(w.Range(0), o * k, xRow),
                                WeightEncoding.NofM => NofMRow(w.Range(0), w.SBytes(1), w.P0, w.P1, o, k, xRow),
                                _ => BlockRow(w, o, xRow),
                            };
                        }

                        break;
                }

                q.Apply(acc, foldedBias.Slice(first, acc.Length), first, yRow.Slice(first, acc.Length));
            }
        }
    }

    /// <summary>The plain twin: dense int weights, (x + input_offset) · w summed one at a time, plus bias.</summary>
    public static void Reference(int[] w, int n, int k, ReadOnlySpan<sbyte> x, ReadOnlySpan<int> bias, Requantization q, Span<sbyte> y, int batch)
    {
        for (int m = 0; m < batch; m++)
        {
            for (int o = 0; o < n; o++)
            {
                int acc = 0;
                for (int i = 0; i < k; i++)
                {
                    acc += w[(o * k) + i] * (x[(m * k) + i] + q.InputOffset);
                }

                acc += bias.IsEmpty ? 0 : bias[o];
                y[(m * n) + o] = q.Apply(acc, o);
            }
        }
    }

    /// <summary>
    /// Σ a[i]·b[i] over int8 spans: on AVX2, 16 bytes of each sign-extended to int16 and multiplied and pairwise added
    /// into int32 lanes by one vpmaddwd (exact: two products of at most 2^14 each); elsewhere (NEON, SSE) portable
    /// Vector128 widening multiplies.
    /// </summary>
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        if (b.Length < a.Length)
        {
            throw new ArgumentException($"the second span holds {b.Length} values, fewer than the first's {a.Length}", nameof(b));
        }

        int i = 0, sum = 0;
        if (Avx2.IsSupported && a.Length >= 16)
        {
            ref sbyte pa = ref MemoryMarshal.GetReference(a);
            ref sbyte pb = ref MemoryMarshal.GetReference(b);
            var acc = Vector256<int>.Zero;
            for (; i + 16 <= a.Length; i += 16)
            {
                var wideA = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref pa, (nuint)i));
                var wideB = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref pb, (nuint)i));
                acc += Avx2.MultiplyAddAdjacent(wideA, wideB);
            }

            sum = Vector256.Sum(acc);
        }
        else if (Vector128.IsHardwareAccelerated && a.Length >= 16)
        {
            var acc = Vector128<int>.Zero;
            for (; i + 16 <= a.Length; i += 16)
            {
                var (aLo, aHi) = Vector128.Widen(Vector128.Create(a.Slice(i, 16)));
                var (bLo, bHi) = Vector128.Widen(Vector128.Create(b.Slice(i, 16)));
                var (p0, p1) = Vector128.Widen(aLo * bLo);
                var (p2, p3) = Vector128.Widen(aHi * bHi);
                acc += (p0 + p1) + (p2 + p3);
            }

            sum = Vector128.Sum(acc);
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>
    /// True where the int8 kernels run 512-bit vectors (AVX-512BW, and .NET running 512-bit vectors natively): the dense
    /// fully connected rows take 32 inputs per step, the wide convolutions 32 positions per tap pair.
    /// </summary>
    internal static bool Runs512Bit => Vector512.IsHardwareAccelerated && Avx512BW.IsSupported;

    /// <summary>
    /// Rows first.. of dense [N, K] weights. On AVX2 four rows at a time: each 16 inputs (32 with AVX-512BW) are
    /// sign-extended once and feed four vpmaddwd (one row at a time re-extends them for every row), 16- and 8-wide
    /// steps before the scalar tail, the four rows reduced together; other CPUs (NEON) one <see cref="Dot"/> per row.
    /// </summary>
    private static void Dense(ReadOnlySpan<sbyte> w, ReadOnlySpan<sbyte> x, int first, Span<int> accumulators)
    {
        int k = x.Length, i = 0;
        if (Avx2.IsSupported && k >= 16)
        {
            ref sbyte xs = ref MemoryMarshal.GetReference(x);
            for (; i + 4 <= accumulators.Length; i += 4)
            {
                ref sbyte r0 = ref Unsafe.AsRef(in w[(first + i) * k]);
                ref sbyte r1 = ref Unsafe.Add(ref r0, k);
                ref sbyte r2 = ref Unsafe.Add(ref r1, k);
                ref sbyte r3 = ref Unsafe.Add(ref r2, k);
                _ = w[((first + i + 4) * k) - 1];
                Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
                nuint j = 0;
                if (Runs512Bit && k >= 32)
                {
                    Vector512<int> b0 = default, b1 = default, b2 = default, b3 = default;
                    for (; (int)j + 32 <= k; j += 32)
                    {
                        var wide = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref xs, j));
                        b0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref r0, j)), wide);
                        b1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref r1, j)), wide);
                        b2 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref r2, j)), wide);
                        b3 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref r3, j)), wide);
                    }

                    a0 = b0.GetLower() + b0.GetUpper();
                    a1 = b1.GetLower() + b1.GetUpper();
                    a2 = b2.GetLower() + b2.GetUpper();
                    a3 = b3.GetLower() + b3.GetUpper();
                }

                for (; (int)j + 16 <= k; j += 16)
                {
                    var input = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref xs, j));
                    a0 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref r0, j)), input);
                    a1 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref r1, j)), input);
                    a2 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref r2, j)), input);
                    a3 += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref r3, j)), input);
                }

                if ((int)j + 8 <= k)
                {
                    var input = Eight(ref Unsafe.Add(ref xs, j));
                    a0 += Sse2.MultiplyAddAdjacent(Eight(ref Unsafe.Add(ref r0, j)), input).ToVector256();
                    a1 += Sse2.MultiplyAddAdjacent(Eight(ref Unsafe.Add(ref r1, j)), input).ToVector256();
                    a2 += Sse2.MultiplyAddAdjacent(Eight(ref Unsafe.Add(ref r2, j)), input).ToVector256();
                    a3 += Sse2.MultiplyAddAdjacent(Eight(ref Unsafe.Add(ref r3, j)), input).ToVector256();
                    j += 8;
                }

                // The four rows' lane sums at once: pairwise adds leave row r's low-half and high-half sums in lanes r and r + 4.
                var pairs = Avx2.HorizontalAdd(Avx2.HorizontalAdd(a0, a1), Avx2.HorizontalAdd(a2, a3));
                var sums = pairs.GetLower() + pairs.GetUpper();
                int t0 = 0, t1 = 0, t2 = 0, t3 = 0;
                for (; (int)j < k; j++)
                {
                    int input = Unsafe.Add(ref xs, j);
                    t0 += Unsafe.Add(ref r0, j) * input;
                    t1 += Unsafe.Add(ref r1, j) * input;
                    t2 += Unsafe.Add(ref r2, j) * input;
                    t3 += Unsafe.Add(ref r3, j) * input;
                }

                (sums + Vector128.Create(t0, t1, t2, t3)).CopyTo(accumulators[i..]);
            }
        }

        for (; i < accumulators.Length; i++)
        {
            accumulators[i] = Dot(w.Slice((first + i) * k, k), x);
        }
    }

    // Eight int8 values sign-extended to int16 lanes; inlined, because a call would make the JIT spill the callers'
    // vector accumulators (no callee-saved vector registers on x64 SysV) in and around their hot loops.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> Eight(ref sbyte first) =>
        Sse41.ConvertToVector128Int16(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.As<sbyte, byte>(ref first))).AsSByte());

    private static int Int4Row(ReadOnlySpan<byte> packed, int start, ReadOnlySpan<sbyte> x)
    {
        int acc = 0;
        for (int i = 0; i < x.Length; i++)
        {
            acc += WeightView.Int4At(packed, start + i) * x[i];
        }

        return acc;
    }

    // As in FullyConnectedFloat: indices were proved in range at load, so the sparse loops skip bounds checks, and eight
    // kept values go at a time: their inputs inserted into one vector, the values read as one word, both sign-extended
    // to int16 lanes, one pmaddwd (exact: |int8 · int8| ≤ 2^14; an int16 multiply and widening add off x64), so the
    // scalar loop's three loads per kept value become about two. Without hardware vectors (ARM32), four scalar accumulators.
    private static void Csr<TIndex>(ReadOnlySpan<int> rowPointers, ReadOnlySpan<TIndex> columns, ReadOnlySpan<sbyte> values, ReadOnlySpan<sbyte> x, int first, Span<int> accumulators)
        where TIndex : unmanaged, IBinaryInteger<TIndex>
    {
        ref sbyte v = ref MemoryMarshal.GetReference(values);
        ref TIndex c = ref MemoryMarshal.GetReference(columns);
        ref sbyte xs = ref MemoryMarshal.GetReference(x);
        for (int i = 0; i < accumulators.Length; i++)
        {
            // Native-sized indices: the zero-extended column addresses the input directly, with no sign extension per value.
            nint k = rowPointers[first + i], end = rowPointers[first + i + 1];
            int acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                var acc = Vector128<int>.Zero;
                for (; k + 7 < end; k += 8)
                {
                    // One lane at a time, so the JIT inserts each input straight from memory instead of holding eight in registers.
                    var gathered = Vector128.CreateScalarUnsafe(Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k))));
                    gathered = gathered.WithElement(1, Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 1))));
                    gathered = gathered.WithElement(2, Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 2))));
                    gathered = gathered.WithElement(3, Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 3))));
                    gathered = gathered.WithElement(4, Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 4))));
                    gathered = gathered.WithElement(5, Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 5))));
                    gathered = gathered.WithElement(6, Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 6))));
                    gathered = gathered.WithElement(7, Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 7))));
                    var inputs = Vector128.WidenLower(gathered);
                    var weights = Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref v, k)))).AsSByte());
                    if (Sse2.IsSupported)
                    {
                        acc += Sse2.MultiplyAddAdjacent(weights, inputs);
                    }
                    else
                    {
                        var (low, high) = Vector128.Widen(weights * inputs);
                        acc += low + high;
                    }
                }

                acc0 = Vector128.Sum(acc);
            }

            for (; k + 3 < end; k += 4)
            {
                acc0 += Unsafe.Add(ref v, k) * Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k)));
                acc1 += Unsafe.Add(ref v, k + 1) * Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 1)));
                acc2 += Unsafe.Add(ref v, k + 2) * Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 2)));
                acc3 += Unsafe.Add(ref v, k + 3) * Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 3)));
            }

            for (; k < end; k++)
            {
                acc0 += Unsafe.Add(ref v, k) * Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k)));
            }

            accumulators[i] = (acc0 + acc1) + (acc2 + acc3);
        }
    }

    /// <param name="value">index of the first stored value of row <paramref name="first"/>; left at the next row's.</param>
    private static void Bitmask(ReadOnlySpan<byte> mask, ReadOnlySpan<sbyte> values, int k, ReadOnlySpan<sbyte> x, int first, Span<int> accumulators, ref int value)
    {
        ref sbyte v = ref MemoryMarshal.GetReference(values);
        ref sbyte xs = ref MemoryMarshal.GetReference(x);
        for (int row = 0; row < accumulators.Length; row++)
        {
            int acc0 = 0, acc1 = 0;
            int start = (first + row) * k;
            for (int i = 0; i < k;)
            {
                int take = Math.Min(56, k - i);
                ulong bits = FullyConnectedFloat.Bits(mask, start + i, take);
                ref sbyte xi = ref Unsafe.Add(ref xs, i);
                while (BitOperations.PopCount(bits) >= 2)
                {
                    int t0 = BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    int t1 = BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    acc0 += Unsafe.Add(ref v, value) * Unsafe.Add(ref xi, t0);
                    acc1 += Unsafe.Add(ref v, value + 1) * Unsafe.Add(ref xi, t1);
                    value += 2;
                }

                if (bits != 0)
                {
                    acc0 += Unsafe.Add(ref v, value++) * Unsafe.Add(ref xi, BitOperations.TrailingZeroCount(bits));
                }

                i += take;
            }

            accumulators[row] = acc0 + acc1;
        }
    }

    // Row blocks of 4 or 8 inputs: a block's weights and inputs are read as one 32- or 64-bit word each, sign-extended
    // to eight int16 lanes (the upper four zero for 4-wide blocks), multiplied exactly (|int8 · int8| ≤ 2^14) and
    // summed pairwise into int32 lanes (one pmaddwd on x64; widening multiply elsewhere): no per-element index, no
    // call per block. Columns were proved in range at load.
    // TWord is the block: ulong for 1×8, uint for 1×4, so each width gets its own compiled loop.
    private static void RowBlocks<TWord>(ReadOnlySpan<int> rowPointers, ReadOnlySpan<ushort> blockColumns, ReadOnlySpan<sbyte> values, ReadOnlySpan<sbyte> x, int first, Span<int> accumulators)
        where TWord : unmanaged, IBinaryInteger<TWord>
    {
        int bc = Unsafe.SizeOf<TWord>();
        ref byte v = ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetReference(values));
        ref byte xs = ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetReference(x));
        ref ushort columns = ref MemoryMarshal.GetReference(blockColumns);
        for (int i = 0; i < accumulators.Length; i++)
        {
            int o = first + i;
            var acc = Vector128<int>.Zero;
            for (int b = rowPointers[o]; b < rowPointers[o + 1]; b++)
            {
                var weights = Lanes<TWord>(ref Unsafe.Add(ref v, b * bc));
                var inputs = Lanes<TWord>(ref Unsafe.Add(ref xs, Unsafe.Add(ref columns, b) * bc));
                if (Sse2.IsSupported)
                {
                    acc += Sse2.MultiplyAddAdjacent(weights, inputs);
                }
                else
                {
                    var (low, high) = Vector128.Widen(weights * inputs);
                    acc += low + high;
                }
            }

            accumulators[i] = Vector128.Sum(acc);
        }
    }

    // The word is zero-extended, so a 4-wide block's upper lanes are 0, whatever the sign of its last byte.
    private static Vector128<short> Lanes<TWord>(ref byte first)
        where TWord : unmanaged, IBinaryInteger<TWord> =>
        Vector128.WidenLower(Vector128.CreateScalarUnsafe(ulong.CreateTruncating(Unsafe.ReadUnaligned<TWord>(ref first))).AsSByte());

    private static int NofMRow(ReadOnlySpan<byte> indices, ReadOnlySpan<sbyte> values, int n, int m, int row, int k, ReadOnlySpan<sbyte> x)
    {
        int acc = 0;
        int groups = k / m;
        int slot = row * groups * n;
        for (int g = 0; g < groups; g++)
        {
            for (int s = 0; s < n; s++, slot++)
            {
                acc += values[slot] * x[(g * m) + WeightView.NofMIndex(indices, slot)];
            }
        }

        return acc;
    }

    private static int BlockRow(WeightView w, int row, ReadOnlySpan<sbyte> x)
    {
        var rowPointers = w.RowPointers;
        var blockColumns = w.UShorts(1);
        var values = w.SBytes(2);
        int br = w.P0, bc = w.P1, blockRow = row / br, inBlock = row % br;
        int acc = 0;
        for (int b = rowPointers[blockRow]; b < rowPointers[blockRow + 1]; b++)
        {
            acc += Dot(values.Slice((b * br * bc) + (inBlock * bc), bc), x.Slice(blockColumns[b] * bc, bc));
        }

        return acc;
    }
}
