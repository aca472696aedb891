using System.Buffers.Binary;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using EdgePrune.Runtime.Format;

namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// y[m, n] = clamp(bias[n] + Σ_k W[n, k] · x[m, k], min, max) for fp32 weights in every encoding, with weights
/// [N, K] row-major as the exporter stores them; <see cref="Reference"/> is the plain twin the tests hold them to.
/// </summary>
public static class FullyConnectedFloat
{
    public static void Run(WeightView w, ReadOnlySpan<float> x, ReadOnlySpan<float> bias, Span<float> y, int batch, float min, float max)
    {
        int n = w.Rows, k = w.Cols;
        for (int m = 0; m < batch; m++)
        {
            var xRow = x.Slice(m * k, k);
            var yRow = y.Slice(m * n, n);
            switch (w.Encoding)
            {
                case WeightEncoding.Dense:
                    Dense(w.Floats(0), xRow, yRow, k);
                    break;
                case WeightEncoding.Csr8:
                    Csr(w.RowPointers, w.Range(1), w.Floats(2), xRow, yRow);
                    break;
                case WeightEncoding.Csr16:
                    Csr(w.RowPointers, w.UShorts(1), w.Floats(2), xRow, yRow);
                    break;
                case WeightEncoding.Bitmask:
                    Bitmask(w.Range(0), w.Floats(1), xRow, yRow, k);
                    break;
                case WeightEncoding.BlockSparse:
                    Block(w.RowPointers, w.UShorts(1), w.Floats(2), w.P0, w.P1, xRow, yRow);
                    break;
                case WeightEncoding.NofM:
                    NofM(w.Range(0), w.Floats(1), w.P0, w.P1, xRow, yRow, k);
                    break;
                default:
                    throw new InvalidOperationException($"{w.Encoding} holds no fp32 weights");
            }

            if (!bias.IsEmpty)
            {
                TensorPrimitives.Add(yRow, bias, yRow);
            }

            Clamp(yRow, min, max);
        }
    }

    /// <summary>The plain twin: dense weights (row-major [N, K]), one multiply-add at a time.</summary>
    public static void Reference(float[] w, int n, int k, ReadOnlySpan<float> x, ReadOnlySpan<float> bias, Span<float> y, int batch, float min, float max)
    {
        for (int m = 0; m < batch; m++)
        {
            for (int o = 0; o < n; o++)
            {
                float acc = 0;
                for (int i = 0; i < k; i++)
                {
                    acc += w[(o * k) + i] * x[(m * k) + i];
                }

                acc += bias.IsEmpty ? 0 : bias[o];
                y[(m * n) + o] = Math.Clamp(acc, min, max);
            }
        }
    }

    public static void Clamp(Span<float> values, float min, float max)
    {
        if (min != float.NegativeInfinity)
        {
            TensorPrimitives.Max(values, min, values);
        }

        if (max != float.PositiveInfinity)
        {
            TensorPrimitives.Min(values, max, values);
        }
    }

    /// <summary>
    /// Four output rows at a time, so each loaded input vector feeds four fused multiply-adds (one TensorPrimitives.Dot per
    /// row reloads the input for every row and pays its call overhead 4x as often); 512-bit vectors where the CPU runs
    /// them natively, else Vector&lt;float&gt; (AVX2, NEON), remaining rows and columns scalar.
    /// </summary>
    internal static void Dense(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y, int k)
    {
        int o = 0;
        if (FloatLanes512.Accelerated && k >= FloatLanes512.Count)
        {
            o = DenseFourRows<FloatLanes512>(w, x, y, k);
        }
        else if (Vector.IsHardwareAccelerated && k >= FloatLanesNative.Count)
        {
            o = DenseFourRows<FloatLanesNative>(w, x, y, k);
        }

        for (; o < y.Length; o++)
        {
            y[o] = TensorPrimitives.Dot(w.Slice(o * k, k), x);
        }
    }

    // Four output rows at a time, each input vector loaded once for the four; returns the rows done.
    internal static int DenseFourRows<TLanes>(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y, int k)
        where TLanes : struct, IFloatLanes<TLanes>
    {
        int lanes = TLanes.Count, o = 0;
        ref float input = ref MemoryMarshal.GetReference(x);
        for (; o + 4 <= y.Length; o += 4)
        {
            ref float r0 = ref Unsafe.AsRef(in w[o * k]);
            ref float r1 = ref Unsafe.Add(ref r0, k);
            ref float r2 = ref Unsafe.Add(ref r1, k);
            ref float r3 = ref Unsafe.Add(ref r2, k);
            TLanes a0 = default, a1 = default, a2 = default, a3 = default;
            int i = 0;
            for (; i + lanes <= k; i += lanes)
            {
                var xv = TLanes.Load(ref Unsafe.Add(ref input, i));
                a0 = TLanes.MultiplyAdd(TLanes.Load(ref Unsafe.Add(ref r0, i)), xv, a0);
                a1 = TLanes.MultiplyAdd(TLanes.Load(ref Unsafe.Add(ref r1, i)), xv, a1);
                a2 = TLanes.MultiplyAdd(TLanes.Load(ref Unsafe.Add(ref r2, i)), xv, a2);
                a3 = TLanes.MultiplyAdd(TLanes.Load(ref Unsafe.Add(ref r3, i)), xv, a3);
            }

            float s0 = TLanes.Sum(a0), s1 = TLanes.Sum(a1), s2 = TLanes.Sum(a2), s3 = TLanes.Sum(a3);
            for (; i < k; i++)
            {
                float xi = Unsafe.Add(ref input, i);
                s0 += Unsafe.Add(ref r0, i) * xi;
                s1 += Unsafe.Add(ref r1, i) * xi;
                s2 += Unsafe.Add(ref r2, i) * xi;
                s3 += Unsafe.Add(ref r3, i) * xi;
            }

            y[o] = s0;
            y[o + 1] = s1;
            y[o + 2] = s2;
            y[o + 3] = s3;
        }

        return o;
    }

    // The sparse loops below index without bounds checks: EpbReader.Validate has proved every row pointer, column
    // index and mask bit lies inside the spans passed here, and the step checked x and y against the shape.
    // CSR: eight kept values at a time, their inputs collected into two vectors for two fused multiply-adds against the
    // contiguous values (one vector load instead of four scalar ones: the scalar loop is bound by its three loads per
    // kept value); where vectors are not hardware-accelerated (ARM32), four scalar accumulators.
    private static void Csr<TIndex>(ReadOnlySpan<int> rowPointers, ReadOnlySpan<TIndex> columns, ReadOnlySpan<float> values, ReadOnlySpan<float> x, Span<float> y)
        where TIndex : unmanaged, IBinaryInteger<TIndex>
    {
        ref float v = ref MemoryMarshal.GetReference(values);
        ref TIndex c = ref MemoryMarshal.GetReference(columns);
        ref float xs = ref MemoryMarshal.GetReference(x);
        for (int o = 0; o < y.Length; o++)
        {
            // Native-sized indices: the zero-extended column addresses the input directly.
            nint k = rowPointers[o], end = rowPointers[o + 1];
            float acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                Vector128<float> low = default, high = default;
                for (; k + 7 < end; k += 8)
                {
                    var inputsLow = Vector128.Create(
                        Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k))),
                        Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 1))),
                        Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 2))),
                        Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 3))));
                    var inputsHigh = Vector128.Create(
                        Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 4))),
                        Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 5))),
                        Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 6))),
                        Unsafe.Add(ref xs, nint.CreateTruncating(Unsafe.Add(ref c, k + 7))));
                    low = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref v, (nuint)k), inputsLow, low);
                    high = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref v, (nuint)k + 4), inputsHigh, high);
                }

                acc0 = Vector128.Sum(low + high);
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

            y[o] = (acc0 + acc1) + (acc2 + acc3);
        }
    }

    private static void Bitmask(ReadOnlySpan<byte> mask, ReadOnlySpan<float> values, ReadOnlySpan<float> x, Span<float> y, int k)
    {
        ref float v = ref MemoryMarshal.GetReference(values);
        ref float xs = ref MemoryMarshal.GetReference(x);
        int value = 0;
        for (int o = 0; o < y.Length; o++)
        {
            // Four accumulators: one would chain every multiply-add on the previous one's latency.
            float acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
            int start = o * k;
            for (int i = 0; i < k;)
            {
                int take = Math.Min(56, k - i);
                ulong bits = Bits(mask, start + i, take);
                ref float xi = ref Unsafe.Add(ref xs, i);
                while (BitOperations.PopCount(bits) >= 4)
                {
                    int t0 = BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    int t1 = BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    int t2 = BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    int t3 = BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    acc0 += Unsafe.Add(ref v, value) * Unsafe.Add(ref xi, t0);
                    acc1 += Unsafe.Add(ref v, value + 1) * Unsafe.Add(ref xi, t1);
                    acc2 += Unsafe.Add(ref v, value + 2) * Unsafe.Add(ref xi, t2);
                    acc3 += Unsafe.Add(ref v, value + 3) * Unsafe.Add(ref xi, t3);
                    value += 4;
                }

                while (bits != 0)
                {
                    acc0 += Unsafe.Add(ref v, value++) * Unsafe.Add(ref xi, BitOperations.TrailingZeroCount(bits));
                    bits &= bits - 1;
                }

                i += take;
            }

            y[o] = (acc0 + acc1) + (acc2 + acc3);
        }
    }

    /// <summary>Mask bits [bit, bit + count) as the low bits of a word; count ≤ 56 so they fit after the in-byte shift.</summary>
    internal static ulong Bits(ReadOnlySpan<byte> mask, int bit, int count)
    {
        int first = bit >> 3;
        ulong word;
        if (first + 8 <= mask.Length)
        {
            word = BinaryPrimitives.ReadUInt64LittleEndian(mask.Slice(first, 8));
        }
        else
        {
            word = 0;
            for (int b = first; b < mask.Length; b++)
            {
                word |= (ulong)mask[b] << ((b - first) * 8);
            }
        }

        return (word >> (bit & 7)) & ((1UL << count) - 1);
    }

    private static void Block(ReadOnlySpan<int> rowPointers, ReadOnlySpan<ushort> blockColumns, ReadOnlySpan<float> values, int br, int bc, ReadOnlySpan<float> x, Span<float> y)
    {
        if (br == 1 && bc is 4 or 8 && Vector128.IsHardwareAccelerated)
        {
            RowBlocks(rowPointers, blockColumns, values, bc, x, y);
            return;
        }

        y.Clear();
        int blockSize = br * bc;
        for (int blockRow = 0; blockRow < y.Length / br; blockRow++)
        {
            for (int b = rowPointers[blockRow]; b < rowPointers[blockRow + 1]; b++)
            {
                var xs = x.Slice(blockColumns[b] * bc, bc);
                for (int i = 0; i < br; i++)
                {
                    y[(blockRow * br) + i] += TensorPrimitives.Dot(values.Slice((b * blockSize) + (i * bc), bc), xs);
                }
            }
        }
    }

    // Row blocks of 4 or 8 inputs: each stored block is one or two Vector128 fused multiply-adds against the contiguous
    // inputs it covers (SSE/AVX on x64, NEON on ARM) instead of a call to a general dot. Columns were proved in range at load.
    private static void RowBlocks(ReadOnlySpan<int> rowPointers, ReadOnlySpan<ushort> blockColumns, ReadOnlySpan<float> values, int bc, ReadOnlySpan<float> x, Span<float> y)
    {
        ref float v = ref MemoryMarshal.GetReference(values);
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref ushort columns = ref MemoryMarshal.GetReference(blockColumns);
        for (int o = 0; o < y.Length; o++)
        {
            Vector128<float> low = default, high = default;
            for (int b = rowPointers[o]; b < rowPointers[o + 1]; b++)
            {
                ref float wb = ref Unsafe.Add(ref v, b * bc);
                ref float xb = ref Unsafe.Add(ref xs, Unsafe.Add(ref columns, b) * bc);
                low = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref wb), Vector128.LoadUnsafe(ref xb), low);
                if (bc == 8)
                {
                    high = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref wb, 4), Vector128.LoadUnsafe(ref xb, 4), high);
                }
            }

            y[o] = Vector128.Sum(low + high);
        }
    }

    private static void NofM(ReadOnlySpan<byte> indices, ReadOnlySpan<float> values, int n, int m, ReadOnlySpan<float> x, Span<float> y, int k)
    {
        int groupsPerRow = k / m;
        for (int o = 0; o < y.Length; o++)
        {
            float acc = 0;
            int slot = o * groupsPerRow * n;
            for (int g = 0; g < groupsPerRow; g++)
            {
                int baseColumn = g * m;
                for (int s = 0; s < n; s++, slot++)
                {
                    acc += values[slot] * x[baseColumn + WeightView.NofMIndex(indices, slot)];
                }
            }

            y[o] = acc;
        }
    }
}
