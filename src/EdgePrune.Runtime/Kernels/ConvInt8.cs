using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// TFLite's int8 convolution (per-channel): acc = bias[m] + Σ w·(x + input_offset) over taps whose input lies
/// inside the image (padding contributes nothing, as in TFLite), then requantization. Padding is written as the input
/// zero point (so x + input_offset is 0 there) and input_offset·Σw is folded into the bias at load (<see cref="FoldedBias"/>),
/// so every path sums plain w·x. Stride-1 convolutions run wide (<see cref="RunWide"/>, <see cref="ConvGeometry.RunsWide"/>):
/// pairs of taps over sixteen output positions at a time (thirty-two with AVX-512 BW), one vpmaddwd per pair and filter. Strided ones gather each output
/// position's receptive field into a patch dotted with every filter of its group (<see cref="RunDense"/>), or sum sparse
/// filters tap by tap into an int32 scratch plane (<see cref="RunSparse"/>). Integer addition is exact, so no order
/// changes a result.
/// </summary>
public static class ConvInt8
{
    /// <summary>Wide positions per pass over the filters' tap pairs (a block of accumulators) with 256-bit vectors.</summary>
    private const int PositionBlock = 16;

    /// <summary>Wide positions per pass with 512-bit vectors; accumulator rows and the padding after the input are whole blocks of it.</summary>
    private const int PositionBlock512 = 32;

    /// <summary>Dense filters of a group that share each pair of input vectors on AVX2.</summary>
    private const int FilterBlock = 4;

    /// <summary>
    /// Ints of scratch the kernel needs: wide accumulator rows and the padded group (<see cref="RunWide"/>, stride 1), a patch
    /// (<see cref="RunDense"/>) or an accumulator plane (<see cref="RunSparse"/>).
    /// </summary>
    /// <param name="pool">a max pool fused into <see cref="RunWide"/>'s output, if any.</param>
    public static int ScratchInts(in ConvGeometry g, bool dense, ConvGeometry? pool = null)
    {
        if (g.RunsWide)
        {
            int pooling = pool is { } p ? p.OutPlane + Pooling.MaxScratch(p) : 0;
            return ((dense ? FilterBlock : 1) * WideLength(g)) + ((g.PaddedGroupLength(PositionBlock512) + 3) / 4) + pooling;
        }

        return dense ? (g.TapsPerFilter + 3) / 4 : g.OutPlane;
    }

    /// <summary>bias[m] + input_offset · Σ w[m, :] for filters [M, C/g·KH·KW] (zeros of sparse filters add nothing); bias may be empty (zero). Computed once at load.</summary>
    public static int[] FoldedBias(in ConvGeometry g, ReadOnlySpan<sbyte> w, ReadOnlySpan<int> bias, int inputOffset)
    {
        int k = g.TapsPerFilter;
        var folded = new int[g.OutChannels];
        for (int m = 0; m < g.OutChannels; m++)
        {
            int sum = 0;
            foreach (sbyte v in w.Slice(m * k, k))
            {
                sum += v;
            }

            folded[m] = unchecked((bias.IsEmpty ? 0 : bias[m]) + (inputOffset * sum));
        }

        return folded;
    }

    /// <summary>
    /// Filters [M, C/g·KH·KW] as <see cref="RunWide"/> reads them, built once at load: dense, every tap in order (so the
    /// filters of a group share their offsets); sparse, only the nonzero taps.
    /// </summary>
    public static WideFilters Wide(in ConvGeometry g, ReadOnlySpan<sbyte> w, bool dense) => Wide(g, w, dense, FullyConnectedInt8.Runs512Bit);

    /// <param name="use512">512-bit vectors; tests pass false to run the AVX2 and portable paths on an AVX-512 machine.</param>
    internal static WideFilters Wide(in ConvGeometry g, ReadOnlySpan<sbyte> w, bool dense, bool use512)
    {
        int k = g.TapsPerFilter;
        var pairStart = new int[g.OutChannels + 1];
        var offsets = new List<int>();
        var weights = new List<int>();
        var kept = new List<int>();
        for (int m = 0; m < g.OutChannels; m++)
        {
            var filter = w.Slice(m * k, k);
            kept.Clear();
            for (int t = 0; t < k; t++)
            {
                if (dense || filter[t] != 0)
                {
                    kept.Add(t);
                }
            }

            // An odd last tap pairs with itself at weight 0.
            for (int i = 0; i < kept.Count; i += 2)
            {
                int first = kept[i], second = i + 1 < kept.Count ? kept[i + 1] : first;
                int secondWeight = i + 1 < kept.Count ? filter[second] : 0;
                offsets.Add(g.WideTapOffset(first));
                offsets.Add(g.WideTapOffset(second));
                ushort firstWeight = unchecked((ushort)filter[first]);
                weights.Add(firstWeight | (secondWeight << 16));
            }

            pairStart[m + 1] = weights.Count;
        }

        return new WideFilters(pairStart, [.. offsets], [.. weights], dense, use512 && FullyConnectedInt8.Runs512Bit);
    }

    /// <summary>
    /// Stride-1 convolution on the wide layout: per batch item and group, the input planes are padded with the zero point
    /// into scratch; each filter's accumulators over all wide positions fill a scratch row, 16 or 32 positions at a time,
    /// summing its tap pairs (four dense filters share each pair's input loads on AVX2); the valid columns of every row
    /// are then requantized into the output, or first max-pooled (<paramref name="pool"/>).
    /// </summary>
    /// <param name="foldedBias">from <see cref="FoldedBias"/>.</param>
    /// <param name="pool">
    /// A max pool over each output plane (its windows inside the plane, its input the convolution's output):
    /// <paramref name="y"/> then receives the pooled planes. The accumulators are pooled before requantization, which
    /// gives the same codes only where the requantization is monotonic: the caller checks <see cref="PoolsBeforeRequantizing"/>.
    /// </param>
    public static void RunWide(in ConvGeometry g, WideFilters filters, ReadOnlySpan<int> foldedBias, Requantization q, ReadOnlySpan<sbyte> x, Span<sbyte> y, Span<int> scratch, ConvGeometry? pool = null)
    {
        int wide = WideLength(g), perGroup = g.OutChannelsPerGroup;
        int rows = filters.Dense ? FilterBlock : 1;
        var accumulators = scratch[..(rows * wide)];
        int paddedInts = (g.PaddedGroupLength(PositionBlock512) + 3) / 4;
        var padded = MemoryMarshal.Cast<int, sbyte>(scratch.Slice(rows * wide, paddedInts))[..g.PaddedGroupLength(PositionBlock512)];
        int pooledAt = (rows * wide) + paddedInts, pooledLength = pool?.OutPlane ?? 0;
        var pooled = scratch.Slice(pooledAt, pooledLength);
        var poolScratch = scratch[(pooledAt + pooledLength)..];
        sbyte zeroPoint = (sbyte)-q.InputOffset;
        for (int n = 0; n < g.Batch; n++)
        {
            for (int group = 0; group < g.Groups; group++)
            {
                g.PadGroup(x, n, group, zeroPoint, padded);
                ref sbyte input = ref MemoryMarshal.GetReference(padded);
                int end = (group + 1) * perGroup;
                for (int m = group * perGroup; m < end;)
                {
                    int count = filters.Dense && Avx2.IsSupported && end - m >= FilterBlock ? FilterBlock : 1;
                    int first = filters.PairStart[m], pairs = filters.PairStart[m + 1] - first;
                    var offsets = filters.Offsets.AsSpan(2 * first, 2 * pairs);
                    var weights = filters.Weights.AsSpan(first, count * pairs);
                    if (filters.Use512)
                    {
                        if (count == FilterBlock)
                        {
                            AccumulateFour512(ref input, offsets, weights, pairs, wide, accumulators);
                        }
                        else
                        {
                            AccumulateOne512(ref input, offsets, weights, wide, accumulators);
                        }
                    }
                    else if (count == FilterBlock)
                    {
                        AccumulateFour(ref input, offsets, weights, pairs, wide, accumulators);
                    }
                    else if (Avx2.IsSupported)
                    {
                        AccumulateOne(ref input, offsets, weights, wide, accumulators);
                    }
                    else
                    {
                        AccumulateOnePortable(ref input, offsets, weights, wide, accumulators);
                    }

                    for (int f = 0; f < count; f++, m++)
                    {
                        var row = accumulators.Slice(f * wide, wide);
                        if (pool is { } p)
                        {
                            Pooling.MaxPlane(p, row, g.PaddedW, pooled, poolScratch);
                            q.ApplyRows(pooled, p.OutPlane, p.OutPlane, foldedBias[m], m, y.Slice(((n * g.OutChannels) + m) * p.OutPlane, p.OutPlane));
                        }
                        else
                        {
                            q.ApplyRows(row, g.PaddedW, g.OutW, foldedBias[m], m, y.Slice(((n * g.OutChannels) + m) * g.OutPlane, g.OutPlane));
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Whether max-pooling <see cref="RunWide"/>'s accumulators before requantizing them gives the codes pooling its
    /// output would: true when acc + bias → code is monotonic for every filter, i.e. no multiplier is negative and neither
    /// the bias addition nor the left shift can wrap (|acc| ≤ 2^14 per tap, inputs and weights being int8).
    /// </summary>
    public static bool PoolsBeforeRequantizing(in ConvGeometry g, ReadOnlySpan<int> foldedBias, Requantization q)
    {
        long largestAccumulator = (1L << 14) * g.TapsPerFilter;
        for (int m = 0; m < g.OutChannels; m++)
        {
            int leftShift = Math.Max(q.Shifts[m], 0);
            if (q.Multipliers[m] < 0 || leftShift > 30 || largestAccumulator + Math.Abs((long)foldedBias[m]) > int.MaxValue >> leftShift)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Wide positions rounded up to whole 512-bit position blocks (two 256-bit ones): the length of one accumulator row.</summary>
    private static int WideLength(in ConvGeometry g) => (g.WidePositions + PositionBlock512 - 1) / PositionBlock512 * PositionBlock512;

    /// <summary>
    /// Sixteen wide positions of the taps at offsets a and b from <paramref name="input"/>, interleaved as int16 pairs
    /// (x[a + i], x[b + i]) for vpmaddwd: positions 0–7 in the first vector, 8–15 in the second.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<short> Low, Vector256<short> High) TapPair(ref sbyte input, int a, int b)
    {
        var first = Vector128.LoadUnsafe(ref input, (nuint)a);
        var second = Vector128.LoadUnsafe(ref input, (nuint)b);
        return (Avx2.ConvertToVector256Int16(Sse2.UnpackLow(first, second)), Avx2.ConvertToVector256Int16(Sse2.UnpackHigh(first, second)));
    }

    /// <summary>Four dense filters' accumulator rows; their pair weights are consecutive runs of <paramref name="pairs"/>.</summary>
    private static void AccumulateFour(ref sbyte input, ReadOnlySpan<int> offsets, ReadOnlySpan<int> weights, int pairs, int wide, Span<int> accumulators)
    {
        ref int offset = ref MemoryMarshal.GetReference(offsets);
        ref int w0 = ref MemoryMarshal.GetReference(weights);
        ref int w1 = ref Unsafe.Add(ref w0, pairs);
        ref int w2 = ref Unsafe.Add(ref w1, pairs);
        ref int w3 = ref Unsafe.Add(ref w2, pairs);
        ref int acc = ref MemoryMarshal.GetReference(accumulators);
        for (int j = 0; j < wide; j += PositionBlock)
        {
            ref sbyte at = ref Unsafe.Add(ref input, j);
            Vector256<int> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
            for (int p = 0; p < pairs; p++)
            {
                var (low, high) = TapPair(ref at, Unsafe.Add(ref offset, 2 * p), Unsafe.Add(ref offset, (2 * p) + 1));
                var w = Vector256.Create(Unsafe.Add(ref w0, p)).AsInt16();
                a0 += Avx2.MultiplyAddAdjacent(low, w);
                b0 += Avx2.MultiplyAddAdjacent(high, w);
                w = Vector256.Create(Unsafe.Add(ref w1, p)).AsInt16();
                a1 += Avx2.MultiplyAddAdjacent(low, w);
                b1 += Avx2.MultiplyAddAdjacent(high, w);
                w = Vector256.Create(Unsafe.Add(ref w2, p)).AsInt16();
                a2 += Avx2.MultiplyAddAdjacent(low, w);
                b2 += Avx2.MultiplyAddAdjacent(high, w);
                w = Vector256.Create(Unsafe.Add(ref w3, p)).AsInt16();
                a3 += Avx2.MultiplyAddAdjacent(low, w);
                b3 += Avx2.MultiplyAddAdjacent(high, w);
            }

            a0.StoreUnsafe(ref acc, (nuint)j);
            b0.StoreUnsafe(ref acc, (nuint)(j + 8));
            a1.StoreUnsafe(ref acc, (nuint)(wide + j));
            b1.StoreUnsafe(ref acc, (nuint)(wide + j + 8));
            a2.StoreUnsafe(ref acc, (nuint)((2 * wide) + j));
            b2.StoreUnsafe(ref acc, (nuint)((2 * wide) + j + 8));
            a3.StoreUnsafe(ref acc, (nuint)((3 * wide) + j));
            b3.StoreUnsafe(ref acc, (nuint)((3 * wide) + j + 8));
        }
    }

    /// <summary>
    /// Thirty-two wide positions of the taps at offsets a and b, interleaved as int16 pairs for vpmaddwd. The byte
    /// unpacks work within 128-bit lanes, so Low holds the pairs of positions 0–7 and 16–23, High those of 8–15 and 24–31
    /// (<see cref="StoreBlock512"/> puts them back in order).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<short> Low, Vector512<short> High) TapPair512(ref sbyte input, int a, int b)
    {
        var first = Vector256.LoadUnsafe(ref input, (nuint)a);
        var second = Vector256.LoadUnsafe(ref input, (nuint)b);
        return (Avx512BW.ConvertToVector512Int16(Avx2.UnpackLow(first, second)), Avx512BW.ConvertToVector512Int16(Avx2.UnpackHigh(first, second)));
    }

    /// <summary>Stores the sums of a <see cref="TapPair512"/> block, positions 0–7 and 16–23 in low, 8–15 and 24–31 in high, in position order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBlock512(Vector512<int> low, Vector512<int> high, ref int at)
    {
        low.GetLower().StoreUnsafe(ref at);
        high.GetLower().StoreUnsafe(ref at, 8);
        low.GetUpper().StoreUnsafe(ref at, 16);
        high.GetUpper().StoreUnsafe(ref at, 24);
    }

    /// <summary><see cref="AccumulateFour"/> on 512-bit vectors, thirty-two positions per pass.</summary>
    private static void AccumulateFour512(ref sbyte input, ReadOnlySpan<int> offsets, ReadOnlySpan<int> weights, int pairs, int wide, Span<int> accumulators)
    {
        ref int offset = ref MemoryMarshal.GetReference(offsets);
        ref int w0 = ref MemoryMarshal.GetReference(weights);
        ref int w1 = ref Unsafe.Add(ref w0, pairs);
        ref int w2 = ref Unsafe.Add(ref w1, pairs);
        ref int w3 = ref Unsafe.Add(ref w2, pairs);
        ref int acc = ref MemoryMarshal.GetReference(accumulators);
        for (int j = 0; j < wide; j += PositionBlock512)
        {
            ref sbyte at = ref Unsafe.Add(ref input, j);
            Vector512<int> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
            for (int p = 0; p < pairs; p++)
            {
                var (low, high) = TapPair512(ref at, Unsafe.Add(ref offset, 2 * p), Unsafe.Add(ref offset, (2 * p) + 1));
                var w = Vector512.Create(Unsafe.Add(ref w0, p)).AsInt16();
                a0 += Avx512BW.MultiplyAddAdjacent(low, w);
                b0 += Avx512BW.MultiplyAddAdjacent(high, w);
                w = Vector512.Create(Unsafe.Add(ref w1, p)).AsInt16();
                a1 += Avx512BW.MultiplyAddAdjacent(low, w);
                b1 += Avx512BW.MultiplyAddAdjacent(high, w);
                w = Vector512.Create(Unsafe.Add(ref w2, p)).AsInt16();
                a2 += Avx512BW.MultiplyAddAdjacent(low, w);
                b2 += Avx512BW.MultiplyAddAdjacent(high, w);
                w = Vector512.Create(Unsafe.Add(ref w3, p)).AsInt16();
                a3 += Avx512BW.MultiplyAddAdjacent(low, w);
                b3 += Avx512BW.MultiplyAddAdjacent(high, w);
            }

            StoreBlock512(a0, b0, ref Unsafe.Add(ref acc, j));
            StoreBlock512(a1, b1, ref Unsafe.Add(ref acc, wide + j));
            StoreBlock512(a2, b2, ref Unsafe.Add(ref acc, (2 * wide) + j));
            StoreBlock512(a3, b3, ref Unsafe.Add(ref acc, (3 * wide) + j));
        }
    }

    private static void AccumulateOne512(ref sbyte input, ReadOnlySpan<int> offsets, ReadOnlySpan<int> weights, int wide, Span<int> accumulators)
    {
        ref int offset = ref MemoryMarshal.GetReference(offsets);
        ref int weight = ref MemoryMarshal.GetReference(weights);
        ref int acc = ref MemoryMarshal.GetReference(accumulators);
        for (int j = 0; j < wide; j += PositionBlock512)
        {
            ref sbyte at = ref Unsafe.Add(ref input, j);
            Vector512<int> a = default, b = default;
            for (int p = 0; p < weights.Length; p++)
            {
                var (low, high) = TapPair512(ref at, Unsafe.Add(ref offset, 2 * p), Unsafe.Add(ref offset, (2 * p) + 1));
                var w = Vector512.Create(Unsafe.Add(ref weight, p)).AsInt16();
                a += Avx512BW.MultiplyAddAdjacent(low, w);
                b += Avx512BW.MultiplyAddAdjacent(high, w);
            }

            StoreBlock512(a, b, ref Unsafe.Add(ref acc, j));
        }
    }

    private static void AccumulateOne(ref sbyte input, ReadOnlySpan<int> offsets, ReadOnlySpan<int> weights, int wide, Span<int> accumulators)
    {
        ref int offset = ref MemoryMarshal.GetReference(offsets);
        ref int weight = ref MemoryMarshal.GetReference(weights);
        ref int acc = ref MemoryMarshal.GetReference(accumulators);
        for (int j = 0; j < wide; j += PositionBlock)
        {
            ref sbyte at = ref Unsafe.Add(ref input, j);
            Vector256<int> a = default, b = default;
            for (int p = 0; p < weights.Length; p++)
            {
                var (low, high) = TapPair(ref at, Unsafe.Add(ref offset, 2 * p), Unsafe.Add(ref offset, (2 * p) + 1));
                var w = Vector256.Create(Unsafe.Add(ref weight, p)).AsInt16();
                a += Avx2.MultiplyAddAdjacent(low, w);
                b += Avx2.MultiplyAddAdjacent(high, w);
            }

            a.StoreUnsafe(ref acc, (nuint)j);
            b.StoreUnsafe(ref acc, (nuint)(j + 8));
        }
    }

    /// <summary>Without AVX2 (NEON, SSE): each tap's sixteen inputs widened to int16, multiplied exactly (|int8·int8| ≤ 2^14) and widened into int32 lanes.</summary>
    private static void AccumulateOnePortable(ref sbyte input, ReadOnlySpan<int> offsets, ReadOnlySpan<int> weights, int wide, Span<int> accumulators)
    {
        for (int j = 0; j < wide; j += PositionBlock)
        {
            ref sbyte at = ref Unsafe.Add(ref input, j);
            Vector128<int> a = default, b = default, c = default, d = default;
            for (int p = 0; p < offsets.Length; p++)
            {
                var w = Vector128.Create((short)(weights[p / 2] >> (16 * (p % 2))));
                var (low, high) = Vector128.Widen(Vector128.LoadUnsafe(ref at, (nuint)offsets[p]));
                var (p0, p1) = Vector128.Widen(low * w);
                var (p2, p3) = Vector128.Widen(high * w);
                a += p0;
                b += p1;
                c += p2;
                d += p3;
            }

            a.StoreUnsafe(ref MemoryMarshal.GetReference(accumulators), (nuint)j);
            b.StoreUnsafe(ref MemoryMarshal.GetReference(accumulators), (nuint)(j + 4));
            c.StoreUnsafe(ref MemoryMarshal.GetReference(accumulators), (nuint)(j + 8));
            d.StoreUnsafe(ref MemoryMarshal.GetReference(accumulators), (nuint)(j + 12));
        }
    }

    /// <param name="rowStart">M + 1 offsets into <paramref name="taps"/>/<paramref name="values"/>.</param>
    /// <param name="taps">tap index c·KH·KW + ky·KW + kx of each stored value.</param>
    public static void RunSparse(in ConvGeometry g, ReadOnlySpan<sbyte> values, ReadOnlySpan<int> rowStart, ReadOnlySpan<int> taps, ReadOnlySpan<int> bias, Requantization q, ReadOnlySpan<sbyte> x, Span<sbyte> y, Span<int> scratch)
    {
        int kernelArea = g.KernelH * g.KernelW;
        var acc = scratch.Slice(0, g.OutPlane);
        for (int n = 0; n < g.Batch; n++)
        {
            for (int m = 0; m < g.OutChannels; m++)
            {
                acc.Fill(bias.IsEmpty ? 0 : bias[m]);
                int group = m / g.OutChannelsPerGroup;
                for (int k = rowStart[m]; k < rowStart[m + 1]; k++)
                {
                    int w = values[k];
                    int tap = taps[k];
                    int c = tap / kernelArea, ky = tap % kernelArea / g.KernelW, kx = tap % g.KernelW;
                    int inChannel = (group * g.InChannelsPerGroup) + c;
                    var inPlane = x.Slice(((n * g.InChannels) + inChannel) * g.InPlane, g.InPlane);
                    var (lo, hi) = g.ValidColumns(kx);
                    int columnOffset = (kx * g.DilationW) - g.PadLeft;
                    for (int oy = 0; oy < g.OutH; oy++)
                    {
                        int iy = (oy * g.StrideH) - g.PadTop + (ky * g.DilationH);
                        if ((uint)iy >= (uint)g.InH)
                        {
                            continue;
                        }

                        int inRow = (iy * g.InW) + columnOffset;
                        int outRow = oy * g.OutW;
                        for (int ox = lo; ox < hi; ox++)
                        {
                            acc[outRow + ox] += w * (inPlane[inRow + (ox * g.StrideW)] + q.InputOffset);
                        }
                    }
                }

                q.ApplyRows(acc, g.OutW, g.OutW, 0, m, y.Slice(((n * g.OutChannels) + m) * g.OutPlane, g.OutPlane));
            }
        }
    }

    /// <param name="foldedBias">from <see cref="FoldedBias"/>.</param>
    public static void RunDense(in ConvGeometry g, ReadOnlySpan<sbyte> w, ReadOnlySpan<int> foldedBias, Requantization q, ReadOnlySpan<sbyte> x, Span<sbyte> y, Span<int> scratch)
    {
        int k = g.TapsPerFilter, perGroup = g.OutChannelsPerGroup;
        var patch = MemoryMarshal.Cast<int, sbyte>(scratch)[..k];
        sbyte zeroPoint = (sbyte)-q.InputOffset;
        for (int n = 0; n < g.Batch; n++)
        {
            for (int group = 0; group < g.Groups; group++)
            {
                for (int p = 0; p < g.OutPlane; p++)
                {
                    g.Gather(x, n, group, p / g.OutW, p % g.OutW, zeroPoint, patch);
                    for (int m = group * perGroup; m < (group + 1) * perGroup; m++)
                    {
                        int acc = unchecked(FullyConnectedInt8.Dot(w.Slice(m * k, k), patch) + foldedBias[m]);
                        y[(((n * g.OutChannels) + m) * g.OutPlane) + p] = q.Apply(acc, m);
                    }
                }
            }
        }
    }

    /// <summary>The plain twin, per output element as TFLite's reference_integer_ops::ConvPerChannel loops.</summary>
    public static void Reference(in ConvGeometry g, int[] w, ReadOnlySpan<int> bias, Requantization q, ReadOnlySpan<sbyte> x, Span<sbyte> y)
    {
        for (int n = 0; n < g.Batch; n++)
        {
            for (int m = 0; m < g.OutChannels; m++)
            {
                int group = m / g.OutChannelsPerGroup;
                for (int oy = 0; oy < g.OutH; oy++)
                {
                    for (int ox = 0; ox < g.OutW; ox++)
                    {
                        int acc = 0;
                        for (int c = 0; c < g.InChannelsPerGroup; c++)
                        {
                            for (int ky = 0; ky < g.KernelH; ky++)
                            {
                                for (int kx = 0; kx < g.KernelW; kx++)
                                {
                                    int iy = (oy * g.StrideH) - g.PadTop + (ky * g.DilationH);
                                    int ix = (ox * g.StrideW) - g.PadLeft + (kx * g.DilationW);
                                    if (iy < 0 || iy >= g.InH || ix < 0 || ix >= g.InW)
                                    {
                                        continue;
                                    }

                                    int inChannel = (group * g.InChannelsPerGroup) + c;
                                    acc += w[(((m * g.InChannelsPerGroup) + c) * g.KernelH + ky) * g.KernelW + kx]
                                        * (x[(((n * g.InChannels) + inChannel) * g.InH + iy) * g.InW + ix] + q.InputOffset);
                                }
                            }
                        }

                        acc += bias.IsEmpty ? 0 : bias[m];
                        y[(((n * g.OutChannels) + m) * g.OutH + oy) * g.OutW + ox] = q.Apply(acc, m);
                    }
                }
            }
        }
    }
}

/// <summary>
/// Filters as pairs of taps for <see cref="ConvInt8.RunWide"/>: filter m's pairs are [PairStart[m], PairStart[m + 1]);
/// pair p reads the padded input at a wide position plus Offsets[2p] and plus Offsets[2p + 1], weighted by the low and
/// high int16 halves of Weights[p]. Dense: every filter holds all taps in order, so the filters of a group share offsets.
/// </summary>
/// Use512: the filters run on 512-bit vectors (<see cref="ConvInt8.Wide(in ConvGeometry, ReadOnlySpan{sbyte}, bool)"/> chooses them where <see cref="FullyConnectedInt8.Runs512Bit"/>).
public sealed record WideFilters(int[] PairStart, int[] Offsets, int[] Weights, bool Dense, bool Use512);
