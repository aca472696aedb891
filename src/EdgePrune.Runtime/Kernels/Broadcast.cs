namespace EdgePrune.Runtime.Kernels;

/// <summary>
/// A numpy-style broadcast of two operands to an output shape, reduced at load to the fewest dimensions: size-1
/// axes dropped and neighbours merged where both operands stay contiguous (so same-shape operands become one run and a
/// per-channel bias [C, 1, 1] becomes two). Execution walks the outer dimensions with an odometer on the stack and hands
/// each innermost run to the op with strides 0 or 1.
/// </summary>
public sealed class Broadcast
{
    private readonly int[] _sizes;
    private readonly int[] _strideA;
    private readonly int[] _strideB;

    private Broadcast(int[] sizes, int[] strideA, int[] strideB)
    {
        _sizes = sizes;
        _strideA = strideA;
        _strideB = strideB;
    }

    public int InnerLength => _sizes.Length == 0 ? 1 : _sizes[^1];

    public int InnerStrideA => _sizes.Length == 0 ? 0 : _strideA[^1];

    public int InnerStrideB => _sizes.Length == 0 ? 0 : _strideB[^1];

    /// <summary>Null when the shapes do not broadcast to <paramref name="output"/>.</summary>
    public static Broadcast? Create(int[] a, int[] b, int[] output)
    {
        int rank = output.Length;
        if (a.Length > rank || b.Length > rank)
        {
            return null;
        }

        var sizes = new List<int>();
        var sa = new List<int>();
        var sb = new List<int>();
        int strideA = 1, strideB = 1;
        var dims = new List<(int Size, int A, int B)>();
        for (int d = rank - 1; d >= 0; d--)
        {
            int da = d - (rank - a.Length) >= 0 ? a[d - (rank - a.Length)] : 1;
            int db = d - (rank - b.Length) >= 0 ? b[d - (rank - b.Length)] : 1;
            if ((da != output[d] && da != 1) || (db != output[d] && db != 1))
            {
                return null;
            }

            dims.Add((output[d], da == 1 ? 0 : strideA, db == 1 ? 0 : strideB));
            strideA *= da;
            strideB *= db;
        }

        dims.Reverse();
        foreach (var (size, da, db) in dims.Where(d => d.Size != 1))
        {
            int last = sizes.Count - 1;
            if (last >= 0 && sa[last] == da * size && sb[last] == db * size)
            {
                sizes[last] *= size;
                sa[last] = da;
                sb[last] = db;
                continue;
            }

            sizes.Add(size);
            sa.Add(da);
            sb.Add(db);
        }

        return new Broadcast([.. sizes], [.. sa], [.. sb]);
    }

    /// <summary>Calls <paramref name="op"/> once per innermost run with the operands' start offsets and the output offset.</summary>
    public void Run<TOp>(ref TOp op)
        where TOp : struct, IRunVisitor, allows ref struct
    {
        int outer = _sizes.Length - 1;
        if (outer <= 0)
        {
            op.Visit(0, 0, 0);
            return;
        }

        Span<int> index = stackalloc int[outer];
        index.Clear();
        int offsetA = 0, offsetB = 0, offsetOut = 0, inner = InnerLength;
        while (true)
        {
            op.Visit(offsetA, offsetB, offsetOut);
            offsetOut += inner;
            int d = outer - 1;
            while (d >= 0)
            {
                index[d]++;
                offsetA += _strideA[d];
                offsetB += _strideB[d];
                if (index[d] < _sizes[d])
                {
                    break;
                }

                offsetA -= _strideA[d] * _sizes[d];
                offsetB -= _strideB[d] * _sizes[d];
                index[d] = 0;
                d--;
            }

            if (d < 0)
            {
                return;
            }
        }
    }
}

/// <summary>Receives one innermost run of a broadcast: start offsets in A, B and the output.</summary>
public interface IRunVisitor
{
    void Visit(int offsetA, int offsetB, int offsetOut);
}
