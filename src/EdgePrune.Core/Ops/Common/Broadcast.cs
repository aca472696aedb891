using EdgePrune.Core.Ir;

namespace EdgePrune.Core.Ops.Common;

/// <summary>NumPy-style (multidirectional) broadcasting, as ONNX defines it for elementwise ops.</summary>
public static class Broadcast
{
    /// <summary>The broadcast shape of concrete shapes; throws naming both shapes when they are incompatible.</summary>
    public static int[] Shape(params int[][] shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var result = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int size = 1;
            foreach (var s in shapes)
            {
                int i = d - (rank - s.Length);
                if (i < 0 || s[i] == 1)
                {
                    continue;
                }

                if (size != 1 && size != s[i])
                {
                    throw new EdgePruneException($"shapes {string.Join(" and ", shapes.Select(x => Tensor.FormatShape(x)))} cannot be broadcast together");
                }

                size = s[i];
            }

            result[d] = size;
        }

        return result;
    }

    /// <summary>The broadcast of possibly symbolic shapes; unknown where it cannot be decided statically.</summary>
    public static IReadOnlyList<Dim>? Shape(params IReadOnlyList<Dim>?[] shapes)
    {
        if (shapes.Any(s => s is null))
        {
            return null;
        }

        int rank = shapes.Max(s => s!.Count);
        var result = new Dim[rank];
        for (int d = 0; d < rank; d++)
        {
            Dim? chosen = null;
            bool unknown = false;
            foreach (var s in shapes)
            {
                int i = d - (rank - s!.Count);
                if (i < 0)
                {
                    continue;
                }

                var dim = s[i];
                if (dim.Value == 1)
                {
                    continue;
                }

                if (chosen is null)
                {
                    chosen = dim;
                }
                else if (dim.IsKnown && chosen.Value.IsKnown && dim.Value != chosen.Value.Value)
                {
                    throw new EdgePruneException($"shapes {string.Join(" and ", shapes.Select(x => "[" + string.Join(", ", x!) + "]"))} cannot be broadcast together");
                }
                else if (dim != chosen.Value)
                {
                    // One known and one symbolic (or two different symbols): at run time they must agree, prefer the known size.
                    if (dim.IsKnown)
                    {
                        chosen = dim;
                    }
                    else if (!chosen.Value.IsKnown)
                    {
                        unknown = true;
                    }
                }
            }

            result[d] = unknown ? Dim.Unknown : chosen ?? Dim.Of(1);
        }

        return result;
    }

    /// <summary>Row-major strides of <paramref name="shape"/> aligned to <paramref name="outputShape"/>, with 0 on broadcast dimensions.</summary>
    public static int[] Strides(ReadOnlySpan<int> shape, ReadOnlySpan<int> outputShape)
    {
        var strides = new int[outputShape.Length];
        int stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            int o = d + outputShape.Length - shape.Length;
            strides[o] = shape[d] == 1 ? 0 : stride;
            stride *= shape[d];
        }

        return strides;
    }

    /// <summary>Calls <paramref name="body"/>(outIndex, aIndex, bIndex) for every output element of a binary broadcast.</summary>
    public static void ForEach(ReadOnlySpan<int> aShape, ReadOnlySpan<int> bShape, int[] outShape, Action<int, int, int> body)
    {
        var sa = Strides(aShape, outShape);
        var sb = Strides(bShape, outShape);
        int rank = outShape.Length;
        int count = (int)Tensor.ElementCountOf(outShape);
        var index = new int[rank];
        int ia = 0, ib = 0;
        for (int o = 0; o < count; o++)
        {
            body(o, ia, ib);
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                ia += sa[d];
                ib += sb[d];
                if (index[d] < outShape[d])
                {
                    break;
                }

                ia -= sa[d] * outShape[d];
                ib -= sb[d] * outShape[d];
                index[d] = 0;
            }
        }
    }
}
