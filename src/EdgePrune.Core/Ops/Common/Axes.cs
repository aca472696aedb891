namespace EdgePrune.Core.Ops.Common;

/// <summary>Axis arithmetic shared by ops that take axis attributes or inputs.</summary>
public static class Axes
{
    /// <summary>Maps a possibly negative axis into [0, rank); throws naming the op's input rank when out of range.</summary>
    public static int Normalize(long axis, int rank, string what = "axis")
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
        {
            throw new EdgePruneException($"{what} {axis} is out of range for a rank-{rank} input (valid: {-rank} to {rank - 1})");
        }

        return (int)a;
    }

    /// <summary>Product of dims [from, to).</summary>
    public static int Product(ReadOnlySpan<int> shape, int from, int to)
    {
        int p = 1;
        for (int i = from; i < to; i++)
        {
            p *= shape[i];
        }

        return p;
    }
}
