using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Pruning.Structured;

/// <summary>Keeps chosen indices of one axis of a float tensor.</summary>
internal static class TensorSlicing
{
    /// <summary>The tensor with only <paramref name="keep"/> (ascending) along <paramref name="axis"/>; itself when <paramref name="keep"/> is null.</summary>
    public static Tensor Slice(Tensor tensor, int axis, int[]? keep)
    {
        if (keep is null)
        {
            return tensor;
        }

        var shape = tensor.Shape.ToArray();
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++)
        {
            outer *= shape[i];
        }

        for (int i = axis + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }

        var source = tensor.ToFloatArray();
        var result = new float[outer * keep.Length * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int k = 0; k < keep.Length; k++)
            {
                Array.Copy(source, (o * shape[axis] + keep[k]) * inner, result, (o * keep.Length + k) * inner, inner);
            }
        }

        shape[axis] = keep.Length;
        return Tensor.FromArray(result, shape);
    }
}
