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
