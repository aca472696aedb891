using System.Runtime.InteropServices;
using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops.Common;

/// <summary>
/// Data movement for ops that rearrange elements without looking at them (Transpose, Slice, Gather, Concat,
/// Split, ConstantOfShape). Everything works on whole arrays or on the raw bytes of the elements, so one code
/// path serves every element type a <see cref="Tensor"/> holds (float, int64, int8, bool, float16, ...).
/// </summary>
internal static class ElementCopy
{
    /// <summary>A zero-filled array of <paramref name="type"/>'s CLR element type.</summary>
    public static Array Allocate(DataType type, long count) => Array.CreateInstance(type.ClrType(), count);

    /// <summary>Row-major strides (in elements) of <paramref name="shape"/>.</summary>
    public static long[] Strides(ReadOnlySpan<int> shape)
    {
        var strides = new long[shape.Length];
        long stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= shape[d];
        }

        return strides;
    }

    /// <summary>
    /// A new tensor of <paramref name="shape"/> whose element at multi-index i is the source element at flat
    /// position offset + Σ i[k]·strides[k]. Strides are in elements and may be negative (reversed slices) or
    /// permuted (transposes); the caller guarantees every addressed position is inside the source.
    /// </summary>
    public static Tensor Strided(Tensor source, int[] shape, long offset, long[] strides)
    {
        long count = Tensor.ElementCountOf(shape);
        var result = Allocate(source.DataType, count);
        if (count > 0)
        {
            int size = source.DataType.SizeInBytes();
            CopyStrided(Bytes(source.Data, size), Bytes(result, size), size, shape, offset, strides);
        }

        return Tensor.Create(source.DataType, shape, result);
    }

    /// <summary>Fills <paramref name="destination"/> with element 0 of <paramref name="value"/> (an array of the same element type).</summary>
    public static void Fill(Array destination, Array value)
    {
        if (destination.Length == 0)
        {
            return;
        }

        Array.Copy(value, 0, destination, 0, 1);
        for (int filled = 1; filled < destination.Length; filled *= 2)
        {
            Array.Copy(destination, 0, destination, filled, Math.Min(filled, destination.Length - filled));
        }
    }

    private static void CopyStrided(ReadOnlySpan<byte> source, Span<byte> destination, int size, int[] shape, long offset, long[] strides)
    {
        int rank = shape.Length;
        if (rank == 0)
        {
            source.Slice(checked((int)(offset * size)), size).CopyTo(destination);
            return;
        }

        int inner = shape[rank - 1];
        long innerStride = strides[rank - 1];
        var index = new int[rank - 1];
        long rowStart = offset;
        int written = 0;
        while (written < destination.Length)
        {
            if (innerStride == 1)
            {
                source.Slice(checked((int)(rowStart * size)), inner * size).CopyTo(destination.Slice(written, inner * size));
            }
            else
            {
                for (int j = 0; j < inner; j++)
                {
                    source.Slice(checked((int)((rowStart + j * innerStride) * size)), size).CopyTo(destination.Slice(written + j * size, size));
                }
            }

            written += inner * size;
            for (int d = rank - 2; d >= 0; d--)
            {
                rowStart += strides[d];
                if (++index[d] < shape[d])
                {
                    break;
                }

                rowStart -= strides[d] * shape[d];
                index[d] = 0;
            }
        }
    }

    private static Span<byte> Bytes(Array array, int elementSize) =>
        MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(array), checked(array.Length * elementSize));
}
