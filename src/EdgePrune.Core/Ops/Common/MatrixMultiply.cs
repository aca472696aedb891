using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace EdgePrune.Core.Ops.Common;

/// <summary>
/// The float matrix product behind Conv (after im2col), ConvTranspose and MatMul: row-major matrices stored at
/// offsets into arrays. The output is cut into tiles of rows × columns; each tile is built by adding
/// a[i, p] · (row p of b, restricted to the tile's columns) into row i of c with vectorized
/// <see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/>.
/// Column tiles are narrow enough that the slice of b they read stays in the core's L2 cache while every
/// row of the tile reuses it. Products with few columns (a deep network's last, 7×7 layers) would make those
/// row updates too short to vectorize well, so they transpose b once and take dot products instead.
/// </summary>
public static class MatrixMultiply
{
    /// <summary>Floats of b one column tile may touch (256 KiB), sized for a per-core L2 cache.</summary>
    private const int TileFloats = 64 * 1024;

    private const int RowsPerTile = 16;

    /// <summary>Below this many columns, dot products of a's rows with b's columns beat row updates.</summary>
    private const int NarrowColumns = 64;

    /// <summary>c[m×n] += a[m×k] · b[k×n]; with <paramref name="parallel"/>, tiles run on the thread pool.</summary>
    public static void Accumulate(float[] a, int aOffset, float[] b, int bOffset, float[] c, int cOffset, int m, int k, int n, bool parallel)
    {
        if (m == 0 || n == 0 || k == 0)
        {
            return;
        }

        if (n < NarrowColumns)
        {
            AccumulateNarrow(a, aOffset, b, bOffset, c, cOffset, m, k, n, parallel);
            return;
        }

        int columnsPerTile = Math.Min(Math.Max(TileFloats / k / 16 * 16, 16), n);
        int columnTiles = (n + columnsPerTile - 1) / columnsPerTile;
        int rowTiles = (m + RowsPerTile - 1) / RowsPerTile;
        void Tile(int tile)
        {
            int i0 = tile / columnTiles * RowsPerTile;
            int j0 = tile % columnTiles * columnsPerTile;
            AccumulateTile(a, aOffset + i0 * k, b, bOffset + j0, c, cOffset + i0 * n + j0, Math.Min(RowsPerTile, m - i0), k, Math.Min(columnsPerTile, n - j0), k, n);
        }

        int tiles = rowTiles * columnTiles;
        Jobs.Run(tiles, parallel, Tile);
    }

    private static void AccumulateNarrow(float[] a, int aOffset, float[] b, int bOffset, float[] c, int cOffset, int m, int k, int n, bool parallel)
    {
        var columns = new float[n * k];
        for (int p = 0; p < k; p++)
        {
            for (int j = 0; j < n; j++)
            {
                columns[j * k + p] = b[bOffset + p * n + j];
            }
        }

        int rowTiles = (m + RowsPerTile - 1) / RowsPerTile;
        void Tile(int tile) => DotTile(a, aOffset, columns, c, cOffset, tile * RowsPerTile, Math.Min(RowsPerTile, m - tile * RowsPerTile), k, n);
        Jobs.Run(rowTiles, parallel, Tile);
    }

    /// <summary>Rows [i0, i0 + rows) of c += a · bᵀ, with b's columns stored as rows of <paramref name="columns"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotTile(float[] a, int aOffset, float[] columns, float[] c, int cOffset, int i0, int rows, int k, int n)
    {
        for (int i = i0; i < i0 + rows; i++)
        {
            var aRow = a.AsSpan(aOffset + i * k, k);
            for (int j = 0; j < n; j++)
            {
                c[cOffset + i * n + j] += TensorPrimitives.Dot(aRow, columns.AsSpan(j * k, k));
            }
        }
    }

    /// <summary>
    /// One tile: rows × columns of c (row stride <paramref name="ldc"/>, which is also b's) from rows of a (stride
    /// <paramref name="lda"/>). Optimized at first call: the reference executor often runs a model once, and
    /// tiered compilation would leave this loop in unoptimized code for most of that run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateTile(float[] a, int aOffset, float[] b, int bOffset, float[] c, int cOffset, int rows, int k, int columns, int lda, int ldc)
    {
        for (int i = 0; i < rows; i++)
        {
            var cRow = c.AsSpan(cOffset + i * ldc, columns);
            int aRow = aOffset + i * lda;
            for (int p = 0; p < k; p++)
            {
                TensorPrimitives.MultiplyAdd(b.AsSpan(bOffset + p * ldc, columns), a[aRow + p], cRow, cRow);
            }
        }
    }
}
