using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgePrune.Runtime.Kernels;

/// <summary>Data movement that ignores element meaning: Concat along an axis and Transpose, over raw bytes with an element size.</summary>
public static class Layout
{
    /// <summary>Copies one input: for each outer index, its chunk of <paramref name="chunkBytes"/> bytes to <paramref name="outputOffset"/> inside the output chunk.</summary>
    public static void Concat(int outer, ReadOnlySpan<byte> input, int chunkBytes, int outputChunkBytes, int outputOffset, Span<byte> output)
    {
        for (int o = 0; o < outer; o++)
        {
            input.Slice(o * chunkBytes, chunkBytes).CopyTo(output.Slice((o * outputChunkBytes) + outputOffset, chunkBytes));
        }
    }

    /// <summary>
    /// Copies <paramref name="rows"/> rows of <paramref name="width"/> elements between strided layouts (a convolution's
    /// padded or wide rows and a plane). Rows of 16 bytes or more move as vectors, the last one overlapping the one before:
    /// a span copy per row cost about 4 ns for LeNet-5's 28-float rows, several times the copy itself.
    /// </summary>
    public static void CopyRows<T>(ReadOnlySpan<T> from, int fromStride, Span<T> to, int toStride, int rows, int width)
        where T : unmanaged
    {
        if (rows <= 0 || width <= 0)
        {
            return;
        }

        if (from.Length < ((rows - 1) * fromStride) + width || to.Length < ((rows - 1) * toStride) + width)
        {
            throw new ArgumentException($"{rows} rows of {width} at strides {fromStride} and {toStride} do not fit {from.Length} source and {to.Length} destination elements");
        }

        int bytes = width * Unsafe.SizeOf<T>();
        ref byte source = ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(from));
        ref byte destination = ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(to));
        int sourceStride = fromStride * Unsafe.SizeOf<T>(), destinationStride = toStride * Unsafe.SizeOf<T>();
        for (int r = 0; r < rows; r++)
        {
            ref byte rowFrom = ref Unsafe.Add(ref source, r * sourceStride);
            ref byte rowTo = ref Unsafe.Add(ref destination, r * destinationStride);
            if (bytes >= Vector256<byte>.Count)
            {
                for (int i = 0; ; i += Vector256<byte>.Count)
                {
                    i = Math.Min(i, bytes - Vector256<byte>.Count);
                    Vector256.LoadUnsafe(ref rowFrom, (nuint)i).StoreUnsafe(ref rowTo, (nuint)i);
                    if (i == bytes - Vector256<byte>.Count)
                    {
                        break;
                    }
                }
            }
            else if (bytes >= Vector128<byte>.Count)
            {
                Vector128.LoadUnsafe(ref rowFrom).StoreUnsafe(ref rowTo);
                Vector128.LoadUnsafe(ref rowFrom, (nuint)(bytes - Vector128<byte>.Count)).StoreUnsafe(ref rowTo, (nuint)(bytes - Vector128<byte>.Count));
            }
            else
            {
                Unsafe.CopyBlockUnaligned(ref rowTo, ref rowFrom, (uint)bytes);
            }
        }
    }

    /// <summary>output[i] = input[Σ index_d · inputStride[perm[d]]] over the output's shape; strides in elements.</summary>
    public static void Transpose(ReadOnlySpan<byte> input, Span<byte> output, int elementSize, int[] outputShape, int[] permutedInputStrides)
    {
        int rank = outputShape.Length;
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        index.Clear();
        int count = output.Length / elementSize;
        int source = 0;
        for (int i = 0; i < count; i++)
        {
            input.Slice(source * elementSize, elementSize).CopyTo(output.Slice(i * elementSize, elementSize));
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                source += permutedInputStrides[d];
                if (index[d] < outputShape[d])
                {
                    break;
                }

                source -= permutedInputStrides[d] * outputShape[d];
                index[d] = 0;
            }
        }
    }
}
