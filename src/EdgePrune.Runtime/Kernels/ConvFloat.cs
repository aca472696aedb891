using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// fp32 convolution (1-D/2-D, groups, depthwise). Filters are prepared once at load (<see cref="Prepare"/>).
/// Dense filters are packed four at a time, tap by tap with their biases, and multiplied in register tiles of four
/// filters × three vectors of output positions (twelve accumulators), one fused multiply-add per tap, filter and
/// vector (512-bit where the CPU runs them natively, else <see cref="Vector{T}"/>: AVX2, NEON), each tap read at a precomputed offset from the tile's first position: in the zero-padded
/// input for stride-1 convolutions (<see cref="ConvGeometry.RunsWide"/>), else in an im2col chunk of whole output rows.
/// Sparse filters (the caller's choice, e.g. few weights kept) keep only their nonzero taps: stride 1, one filter at a
/// time over four vectors of positions, a multiply-add per nonzero; strided, each nonzero scales a shifted input row
/// into the output row. Zero weights cost nothing there.
/// </summary>
public static class ConvFloat
{
    /// <summary>Output positions gathered per im2col chunk (fewer whole output rows never straddle a chunk).</summary>
    public const int ChunkPositions = 128;

    private const int TileFilters = 4;

    /// <summary>Filters prepared at load: packed tiles and tap offsets (dense), or nonzero taps per filter (sparse).</summary>
    public sealed class Prepared
    {
        internal Prepared(bool sparse, bool use512, float[] packed, int[] offsets, int[] rowStart, float[] values, float[] bias)
        {
            Sparse = sparse;
            Use512 = use512;
            Packed = packed;
            Offsets = offsets;
            RowStart = rowStart;
            Values = values;
            Bias = bias;
        }

        public bool Sparse { get; }

        // 512-bit vectors (where the CPU runs them natively) or Vector<float>; offsets and scratch depend on the width.
        internal bool Use512 { get; }

        internal int Lanes => Use512 ? FloatLanes512.Count : FloatLanesNative.Count;

        // Dense: per group, per tile of four filters, K·4 weights (tap-major) then four biases, zero past the last filter.
        internal float[] Packed { get; }

        // Dense: offset of each tap from a tile's first position in the padded input (wide) or the im2col chunk.
        // Sparse: per stored value, its tap's wide offset (stride 1) or its tap index c·KH·KW + ky·KW + kx.
        internal int[] Offsets { get; }

        internal int[] RowStart { get; }

        internal float[] Values { get; }

        internal float[] Bias { get; }
    }


    /// <param name="weights">dense [M, C/g·KH·KW] filters.</param>
    /// <param name="sparse">keep only the nonzero taps of each filter (worth it when few are kept).</param>
    public static Prepared Prepare(in ConvGeometry g, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, bool sparse) =>
        Prepare(g, weights, bias, sparse, FloatLanes512.Accelerated);

    /// <param name="use512">512-bit vectors; tests pass false to run the <see cref="Vector{T}"/> tiles ARM takes.</param>
    internal static Prepared Prepare(in ConvGeometry g, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, bool sparse, bool use512)
    {
        int lanes = use512 ? FloatLanes512.Count : FloatLanesNative.Count;
        int k = g.TapsPerFilter;
        var biases = bias.IsEmpty ? new float[g.OutChannels] : bias.ToArray();
        if (sparse)
        {
            var (rowStart, taps, values) = g.NonzeroTaps(weights);
            if (g.RunsWide)
            {
                var geometry = g;
                taps = [.. taps.Select(geometry.WideTapOffset)];
            }

            return new Prepared(true, use512, [], taps, rowStart, values, biases);
        }

        int perGroup = g.OutChannelsPerGroup, tiles = TilesPerGroup(g), tileLength = (k + 1) * TileFilters;
        var packed = new float[g.Groups * tiles * tileLength];
        for (int m = 0; m < g.OutChannels; m++)
        {
            int group = m / perGroup, within = m % perGroup;
            var tile = packed.AsSpan(((group * tiles) + (within / TileFilters)) * tileLength, tileLength);
            int f = within % TileFilters;
            for (int t = 0; t < k; t++)
            {
                tile[(t * TileFilters) + f] = weights[(m * k) + t];
            }

            tile[(k * TileFilters) + f] = biases[m];
        }

        var tapOffsets = new int[k];
        int chunkStride = ChunkStride(g, lanes);
        for (int t = 0; t < k; t++)
        {
            tapOffsets[t] = g.RunsWide ? g.WideTapOffset(t) : t * chunkStride;
        }

        return new Prepared(false, use512, packed, tapOffsets, [], [], biases);
    }

    /// <summary>Floats of scratch <see cref="Run"/> needs (with <paramref name="pool"/>, a max pool fused into its output).</summary>
    public static int ScratchFloats(in ConvGeometry g, Prepared filters, ConvGeometry? pool = null)
    {
        if (g.RunsWide)
        {
            int tileRows = filters.Sparse ? 1 : TileFilters;
            return g.PaddedGroupLength(Slack(filters.Lanes)) + (tileRows * WideLength(g, filters.Sparse, filters.Lanes)) + (pool is { } p ? Pooling.MaxScratch(p) : 0);
        }

        return filters.Sparse ? 0 : (g.TapsPerFilter + TileFilters) * ChunkStride(g, filters.Lanes);
    }

    /// <param name="pool">
    /// A max pool over each output plane (stride-1 convolutions only; its windows inside the plane, its input the
    /// convolution's output): <paramref name="y"/> then receives the pooled planes, taken straight from the wide rows.
    /// </param>
    public static void Run(in ConvGeometry g, Prepared filters, ReadOnlySpan<float> x, Span<float> y, float min, float max, Span<float> scratch, ConvGeometry? pool = null)
    {
        if (pool is not null && !g.RunsWide)
        {
            throw new ArgumentException("a max pool fuses only into a stride-1 convolution", nameof(pool));
        }

        if (filters.Sparse && !g.RunsWide)
        {
            RunSparseStrided(g, filters, x, y, min, max);
            return;
        }

        for (int n = 0; n < g.Batch; n++)
        {
            for (int group = 0; group < g.Groups; group++)
            {
                if (!g.RunsWide)
                {
                    RunDenseChunks(g, filters, x, n, group, y, min, max, scratch);
                    continue;
                }

                var padded = scratch[..g.PaddedGroupLength(Slack(filters.Lanes))];
                var wide = scratch[padded.Length..];
                g.PadGroup(x, n, group, 0f, padded);
                var output = new WideOutput(g, pool, y, wide[((filters.Sparse ? 1 : TileFilters) * WideLength(g, filters.Sparse, filters.Lanes))..]);
                if (filters.Sparse)
                {
                    RunSparseWide(g, filters, padded, n, group, wide, output, min, max);
                }
                else
                {
                    RunDenseWide(g, filters, padded, n, group, wide, output, min, max);
                }
            }
        }
    }

    // Vector loads run past the last position by up to four vectors (the sparse step); the padding absorbs them.
    private static int Slack(int lanes) => 4 * lanes;

    private static int TilesPerGroup(in ConvGeometry g) => (g.OutChannelsPerGroup + TileFilters - 1) / TileFilters;

    // Wide positions rounded up to the step of the tile loop: three vectors (dense) or four (sparse).
    private static int WideLength(in ConvGeometry g, bool sparse, int lanes)
    {
        int step = (sparse ? 4 : 3) * lanes;
        return (g.WidePositions + step - 1) / step * step;
    }

    // Whole output rows per chunk, padded to a whole number of tile steps so every load stays inside the chunk.
    private static int ChunkRows(in ConvGeometry g) => Math.Max(1, Math.Min(g.OutH, ChunkPositions / g.OutW));

    private static int ChunkStride(in ConvGeometry g, int lanes)
    {
        int step = 3 * lanes;
        return ((ChunkRows(g) * g.OutW) + step - 1) / step * step;
    }

    private static void RunDenseWide(in ConvGeometry g, Prepared filters, ReadOnlySpan<float> padded, int n, int group, Span<float> wide, in WideOutput output, float min, float max)
    {
        int k = g.TapsPerFilter, perGroup = g.OutChannelsPerGroup, tileLength = (k + 1) * TileFilters, width = WideLength(g, sparse: false, filters.Lanes);
        for (int tile = 0; tile < TilesPerGroup(g); tile++)
        {
            var packed = filters.Packed.AsSpan((((group * TilesPerGroup(g)) + tile) * tileLength), tileLength);
            MultiplyTile(filters.Use512, packed, filters.Offsets, padded, width, wide, width, min, max);
            int first = tile * TileFilters;
            for (int f = 0; f < Math.Min(TileFilters, perGroup - first); f++)
            {
                output.Write(wide.Slice(f * width, width), n, (group * perGroup) + first + f);
            }
        }
    }

    private static void RunDenseChunks(in ConvGeometry g, Prepared filters, ReadOnlySpan<float> x, int n, int group, Span<float> y, float min, float max, Span<float> scratch)
    {
        int k = g.TapsPerFilter, perGroup = g.OutChannelsPerGroup, tileLength = (k + 1) * TileFilters;
        int rowsPerChunk = ChunkRows(g), stride = ChunkStride(g, filters.Lanes), step = 3 * filters.Lanes;
        var columns = scratch[..(k * stride)];
        var tileOut = scratch.Slice(k * stride, TileFilters * stride);
        for (int oy = 0; oy < g.OutH; oy += rowsPerChunk)
        {
            int rows = Math.Min(rowsPerChunk, g.OutH - oy), positions = rows * g.OutW;
            Im2Col(g, x, n, group, oy, rows, columns, stride);
            for (int tile = 0; tile < TilesPerGroup(g); tile++)
            {
                var packed = filters.Packed.AsSpan((((group * TilesPerGroup(g)) + tile) * tileLength), tileLength);
                MultiplyTile(filters.Use512, packed, filters.Offsets, columns, (positions + step - 1) / step * step, tileOut, stride, min, max);
                int first = tile * TileFilters;
                for (int f = 0; f < Math.Min(TileFilters, perGroup - first); f++)
                {
                    tileOut.Slice(f * stride, positions).CopyTo(OutputPlane(g, y, n, (group * perGroup) + first + f)[(oy * g.OutW)..]);
                }
            }
        }
    }

    private static Span<float> OutputPlane(in ConvGeometry g, Span<float> y, int n, int channel) =>
        y.Slice(((n * g.OutChannels) + channel) * g.OutPlane, g.OutPlane);

    // Where a filter's wide row goes: output row oy is wide positions [oy·PaddedW, oy·PaddedW + OutW), copied into the
    // output plane (the columns between rows dropped), or max-pooled into the pooled plane.
    private readonly ref struct WideOutput(in ConvGeometry g, ConvGeometry? pool, Span<float> y, Span<float> poolScratch)
    {
        private readonly ConvGeometry _g = g;
        private readonly ConvGeometry? _pool = pool;
        private readonly Span<float> _y = y;
        private readonly Span<float> _poolScratch = poolScratch;

        public void Write(ReadOnlySpan<float> wide, int n, int channel)
        {
            if (_pool is { } p)
            {
                Pooling.MaxPlane(p, wide, _g.PaddedW, _y.Slice(((n * _g.OutChannels) + channel) * p.OutPlane, p.OutPlane), _poolScratch);
                return;
            }

            Layout.CopyRows(wide, _g.PaddedW, OutputPlane(_g, _y, n, channel), _g.OutW, _g.OutH, _g.OutW);
        }
    }

    // columns[t, r·OutW + ox] = the input under tap t = (c, ky, kx) for output (oy + r, ox), 0 in the padding.
    private static void Im2Col(in ConvGeometry g, ReadOnlySpan<float> x, int n, int group, int oy, int rows, Span<float> columns, int stride)
    {
        int t = 0;
        for (int c = 0; c < g.InChannelsPerGroup; c++)
        {
            var plane = x.Slice(((n * g.InChannels) + (group * g.InChannelsPerGroup) + c) * g.InPlane, g.InPlane);
            for (int ky = 0; ky < g.KernelH; ky++)
            {
                for (int kx = 0; kx < g.KernelW; kx++, t++)
                {
                    var (lo, hi) = g.ValidColumns(kx);
                    int columnOffset = (kx * g.DilationW) - g.PadLeft;
                    for (int r = 0; r < rows; r++)
                    {
                        var into = columns.Slice((t * stride) + (r * g.OutW), g.OutW);
                        int iy = ((oy + r) * g.StrideH) - g.PadTop + (ky * g.DilationH);
                        if ((uint)iy >= (uint)g.InH || lo >= hi)
                        {
                            into.Clear();
                            continue;
                        }

                        into[..lo].Clear();
                        into[hi..].Clear();
                        int inStart = (iy * g.InW) + (lo * g.StrideW) + columnOffset;
                        if (g.StrideW == 1)
                        {
                            plane.Slice(inStart, hi - lo).CopyTo(into[lo..hi]);
                        }
                        else
                        {
                            for (int ox = lo; ox < hi; ox++)
                            {
                                into[ox] = plane[inStart + ((ox - lo) * g.StrideW)];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// into[f·intoStride + j] = clamp(bias[f] + Σ_t filter[f, t] · source[offsets[t] + j]) for the tile's four filters
    /// and j below width (a whole number of three-vector steps; the caller keeps every load inside source).
    /// </summary>
    private static void MultiplyTile(bool use512, ReadOnlySpan<float> packed, ReadOnlySpan<int> offsets, ReadOnlySpan<float> source, int width, Span<float> into, int intoStride, float min, float max)
    {
        if (use512)
        {
            MultiplyTile<FloatLanes512>(packed, offsets, source, width, into, intoStride, min, max);
        }
        else
        {
            MultiplyTile<FloatLanesNative>(packed, offsets, source, width, into, intoStride, min, max);
        }
    }

    private static void MultiplyTile<TLanes>(ReadOnlySpan<float> packed, ReadOnlySpan<int> offsets, ReadOnlySpan<float> source, int width, Span<float> into, int intoStride, float min, float max)
        where TLanes : struct, IFloatLanes<TLanes>
    {
        int lanes = TLanes.Count, k = offsets.Length;
        var low = TLanes.Broadcast(min);
        var high = TLanes.Broadcast(max);
        ref float weights = ref MemoryMarshal.GetReference(packed);
        ref float biases = ref Unsafe.Add(ref weights, k * TileFilters);
        ref float input = ref MemoryMarshal.GetReference(source);
        ref int offset = ref MemoryMarshal.GetReference(offsets);
        ref float output = ref MemoryMarshal.GetReference(into);
        for (int j = 0; j < width; j += 3 * lanes)
        {
            TLanes a0 = TLanes.Broadcast(biases), a1 = TLanes.Broadcast(Unsafe.Add(ref biases, 1)), a2 = TLanes.Broadcast(Unsafe.Add(ref biases, 2)), a3 = TLanes.Broadcast(Unsafe.Add(ref biases, 3));
            TLanes b0 = a0, b1 = a1, b2 = a2, b3 = a3, c0 = a0, c1 = a1, c2 = a2, c3 = a3;
            ref float at = ref Unsafe.Add(ref input, j);
            for (int t = 0; t < k; t++)
            {
                ref float tapInput = ref Unsafe.Add(ref at, Unsafe.Add(ref offset, t));
                var x0 = TLanes.Load(ref tapInput);
                var x1 = TLanes.Load(ref Unsafe.Add(ref tapInput, lanes));
                var x2 = TLanes.Load(ref Unsafe.Add(ref tapInput, 2 * lanes));
                ref float tap = ref Unsafe.Add(ref weights, t * TileFilters);
                var w = TLanes.Broadcast(tap);
                a0 = TLanes.MultiplyAdd(w, x0, a0);
                b0 = TLanes.MultiplyAdd(w, x1, b0);
                c0 = TLanes.MultiplyAdd(w, x2, c0);
                w = TLanes.Broadcast(Unsafe.Add(ref tap, 1));
                a1 = TLanes.MultiplyAdd(w, x0, a1);
                b1 = TLanes.MultiplyAdd(w, x1, b1);
                c1 = TLanes.MultiplyAdd(w, x2, c1);
                w = TLanes.Broadcast(Unsafe.Add(ref tap, 2));
                a2 = TLanes.MultiplyAdd(w, x0, a2);
                b2 = TLanes.MultiplyAdd(w, x1, b2);
                c2 = TLanes.MultiplyAdd(w, x2, c2);
                w = TLanes.Broadcast(Unsafe.Add(ref tap, 3));
                a3 = TLanes.MultiplyAdd(w, x0, a3);
                b3 = TLanes.MultiplyAdd(w, x1, b3);
                c3 = TLanes.MultiplyAdd(w, x2, c3);
            }

            ref float row = ref Unsafe.Add(ref output, j);
            TLanes.Store(TLanes.Clamp(a0, low, high), ref row);
            TLanes.Store(TLanes.Clamp(b0, low, high), ref Unsafe.Add(ref row, lanes));
            TLanes.Store(TLanes.Clamp(c0, low, high), ref Unsafe.Add(ref row, 2 * lanes));
            row = ref Unsafe.Add(ref row, intoStride);
            TLanes.Store(TLanes.Clamp(a1, low, high), ref row);
            TLanes.Store(TLanes.Clamp(b1, low, high), ref Unsafe.Add(ref row, lanes));
            TLanes.Store(TLanes.Clamp(c1, low, high), ref Unsafe.Add(ref row, 2 * lanes));
            row = ref Unsafe.Add(ref row, intoStride);
            TLanes.Store(TLanes.Clamp(a2, low, high), ref row);
            TLanes.Store(TLanes.Clamp(b2, low, high), ref Unsafe.Add(ref row, lanes));
            TLanes.Store(TLanes.Clamp(c2, low, high), ref Unsafe.Add(ref row, 2 * lanes));
            row = ref Unsafe.Add(ref row, intoStride);
            TLanes.Store(TLanes.Clamp(a3, low, high), ref row);
            TLanes.Store(TLanes.Clamp(b3, low, high), ref Unsafe.Add(ref row, lanes));
            TLanes.Store(TLanes.Clamp(c3, low, high), ref Unsafe.Add(ref row, 2 * lanes));
        }
    }

    // One filter at a time over four vectors of wide positions, a multiply-add per nonzero tap.
    private static void RunSparseWide(in ConvGeometry g, Prepared filters, ReadOnlySpan<float> padded, int n, int group, Span<float> wide, in WideOutput output, float min, float max)
    {
        int width = WideLength(g, sparse: true, filters.Lanes);
        for (int m = group * g.OutChannelsPerGroup; m < (group + 1) * g.OutChannelsPerGroup; m++)
        {
            int first = filters.RowStart[m], count = filters.RowStart[m + 1] - first;
            var offsets = filters.Offsets.AsSpan(first, count);
            var values = filters.Values.AsSpan(first, count);
            if (filters.Use512)
            {
                SumNonzeroTaps<FloatLanes512>(offsets, values, filters.Bias[m], padded, width, wide, min, max);
            }
            else
            {
                SumNonzeroTaps<FloatLanesNative>(offsets, values, filters.Bias[m], padded, width, wide, min, max);
            }

            output.Write(wide[..width], n, m);
        }
    }

    // Four vectors of positions per step, even and odd taps into separate accumulators summed at the end: eight
    // independent chains of multiply-adds, enough to cover their four-cycle latency at two per cycle (four chains left the
    // loop waiting on the previous multiply-add of the same chain).
    private static void SumNonzeroTaps<TLanes>(ReadOnlySpan<int> offsets, ReadOnlySpan<float> values, float bias, ReadOnlySpan<float> padded, int width, Span<float> into, float min, float max)
        where TLanes : struct, IFloatLanes<TLanes>
    {
        int lanes = TLanes.Count, taps = offsets.Length;
        var low = TLanes.Broadcast(min);
        var high = TLanes.Broadcast(max);
        var start = TLanes.Broadcast(bias);
        var zero = TLanes.Broadcast(0f);
        ref float input = ref MemoryMarshal.GetReference(padded);
        ref float output = ref MemoryMarshal.GetReference(into);
        ref int offset = ref MemoryMarshal.GetReference(offsets);
        ref float value = ref MemoryMarshal.GetReference(values);
        for (int j = 0; j < width; j += 4 * lanes)
        {
            TLanes a0 = start, a1 = start, a2 = start, a3 = start, b0 = zero, b1 = zero, b2 = zero, b3 = zero;
            ref float at = ref Unsafe.Add(ref input, j);
            int i = 0;
            for (; i + 1 < taps; i += 2)
            {
                ref float even = ref Unsafe.Add(ref at, Unsafe.Add(ref offset, i));
                ref float odd = ref Unsafe.Add(ref at, Unsafe.Add(ref offset, i + 1));
                var we = TLanes.Broadcast(Unsafe.Add(ref value, i));
                var wo = TLanes.Broadcast(Unsafe.Add(ref value, i + 1));
                a0 = TLanes.MultiplyAdd(we, TLanes.Load(ref even), a0);
                a1 = TLanes.MultiplyAdd(we, TLanes.Load(ref Unsafe.Add(ref even, lanes)), a1);
                a2 = TLanes.MultiplyAdd(we, TLanes.Load(ref Unsafe.Add(ref even, 2 * lanes)), a2);
                a3 = TLanes.MultiplyAdd(we, TLanes.Load(ref Unsafe.Add(ref even, 3 * lanes)), a3);
                b0 = TLanes.MultiplyAdd(wo, TLanes.Load(ref odd), b0);
                b1 = TLanes.MultiplyAdd(wo, TLanes.Load(ref Unsafe.Add(ref odd, lanes)), b1);
                b2 = TLanes.MultiplyAdd(wo, TLanes.Load(ref Unsafe.Add(ref odd, 2 * lanes)), b2);
                b3 = TLanes.MultiplyAdd(wo, TLanes.Load(ref Unsafe.Add(ref odd, 3 * lanes)), b3);
            }

            if (i < taps)
            {
                ref float last = ref Unsafe.Add(ref at, Unsafe.Add(ref offset, i));
                var w = TLanes.Broadcast(Unsafe.Add(ref value, i));
                a0 = TLanes.MultiplyAdd(w, TLanes.Load(ref last), a0);
                a1 = TLanes.MultiplyAdd(w, TLanes.Load(ref Unsafe.Add(ref last, lanes)), a1);
                a2 = TLanes.MultiplyAdd(w, TLanes.Load(ref Unsafe.Add(ref last, 2 * lanes)), a2);
                a3 = TLanes.MultiplyAdd(w, TLanes.Load(ref Unsafe.Add(ref last, 3 * lanes)), a3);
            }

            ref float row = ref Unsafe.Add(ref output, j);
            TLanes.Store(TLanes.Clamp(TLanes.Add(a0, b0), low, high), ref row);
            TLanes.Store(TLanes.Clamp(TLanes.Add(a1, b1), low, high), ref Unsafe.Add(ref row, lanes));
            TLanes.Store(TLanes.Clamp(TLanes.Add(a2, b2), low, high), ref Unsafe.Add(ref row, 2 * lanes));
            TLanes.Store(TLanes.Clamp(TLanes.Add(a3, b3), low, high), ref Unsafe.Add(ref row, 3 * lanes));
        }
    }

    // Strided sparse filters: each nonzero tap scales a shifted input row into the output row.
    private static void RunSparseStrided(in ConvGeometry g, Prepared filters, ReadOnlySpan<float> x, Span<float> y, float min, float max)
    {
        int kernelArea = g.KernelH * g.KernelW;
        for (int n = 0; n < g.Batch; n++)
        {
            for (int m = 0; m < g.OutChannels; m++)
            {
                var outPlane = OutputPlane(g, y, n, m);
                outPlane.Fill(filters.Bias[m]);
                int group = m / g.OutChannelsPerGroup;
                for (int k = filters.RowStart[m]; k < filters.RowStart[m + 1]; k++)
                {
                    int tap = filters.Offsets[k];
                    int c = tap / kernelArea, ky = tap % kernelArea / g.KernelW, kx = tap % g.KernelW;
                    int inChannel = (group * g.InChannelsPerGroup) + c;
                    var inPlane = x.Slice(((n * g.InChannels) + inChannel) * g.InPlane, g.InPlane);
                    AccumulateTap(g, inPlane, outPlane, filters.Values[k], ky, kx);
                }

                FullyConnectedFloat.Clamp(outPlane, min, max);
            }
        }
    }

    private static void AccumulateTap(in ConvGeometry g, ReadOnlySpan<float> inPlane, Span<float> outPlane, float w, int ky, int kx)
    {
        var (lo, hi) = g.ValidColumns(kx);
        if (lo >= hi)
        {
            return;
        }

        int columnOffset = (kx * g.DilationW) - g.PadLeft;
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int iy = (oy * g.StrideH) - g.PadTop + (ky * g.DilationH);
            if ((uint)iy >= (uint)g.InH)
            {
                continue;
            }

            var outRow = outPlane.Slice((oy * g.OutW) + lo, hi - lo);
            int inStart = (iy * g.InW) + (lo * g.StrideW) + columnOffset;
            for (int i = 0; i < outRow.Length; i++)
            {
                outRow[i] += w * inPlane[inStart + (i * g.StrideW)];
            }
        }
    }

    /// <summary>The plain twin: the convolution sum written out per output element over dense filters.</summary>
    public static void Reference(in ConvGeometry g, float[] w, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, float min, float max)
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
                        float acc = bias.IsEmpty ? 0f : bias[m];
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
                                        * x[(((n * g.InChannels) + inChannel) * g.InH + iy) * g.InW + ix];
                                }
                            }
                        }

                        y[(((n * g.OutChannels) + m) * g.OutH + oy) * g.OutW + ox] = Math.Clamp(acc, min, max);
                    }
                }
            }
        }
    }
}
