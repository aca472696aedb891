using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgePrune.Training.Kernels;

/// <summary>
/// Single-precision matrix multiply C = op(A)·op(B) (+ C), row-major. A·Bᵀ (the forward pass of a Gemm with
/// transB, PyTorch's layout) reads both operands along K: a 4×4 block of dot products in sixteen Vector256
/// accumulators. Every other case packs a transposed A into a pooled row-major copy and runs a register-blocked
/// kernel (4 rows × 16 columns in eight Vector256 accumulators, fused multiply-add over the whole K). Work is split
/// into column panels × row chunks, so a panel of B stays in cache while the rows of A stream past it. A panel-packed
/// B was tried and measured slower on these sizes (the packing costs more than the strided reads it saves).
/// </summary>
internal static class Sgemm
{
    private const int RowBlock = 4;
    private const int ColumnPanel = 16;
    private const int RowsPerTask = 32;

    /// <summary>
    /// c[cOffset + i·n + j] (+)= alpha · Σₖ op(A)[i,k] · op(B)[k,j], where op(A) is [m,k] (A stored [k,m] when
    /// <paramref name="transA"/>) and op(B) is [k,n] (B stored [n,k] when <paramref name="transB"/>).
    /// </summary>
    public static void Multiply(
        bool transA, bool transB, int m, int n, int k,
        float[] a, int aOffset, float[] b, int bOffset, float[] c, int cOffset,
        bool accumulate, bool parallel, float alpha = 1f)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            if (!accumulate)
            {
                c.AsSpan(cOffset, m * n).Clear();
            }

            return;
        }

        if (transB && !transA)
        {
            new DotJob(m, n, k, a, aOffset, b, bOffset, c, cOffset, accumulate, alpha).Run(parallel);
            return;
        }

        float[]? packedA = null, packedB = null;
        if (transA)
        {
            packedA = ArrayPool<float>.Shared.Rent(m * k);
            Transpose(a, aOffset, k, m, packedA);
            a = packedA;
            aOffset = 0;
        }

        if (transB)
        {
            packedB = ArrayPool<float>.Shared.Rent(k * n);
            Transpose(b, bOffset, n, k, packedB);
            b = packedB;
            bOffset = 0;
        }

        var job = new Job(m, n, k, a, aOffset, b, bOffset, c, cOffset, accumulate, alpha);
        int panels = (n + ColumnPanel - 1) / ColumnPanel;
        int chunks = (m + RowsPerTask - 1) / RowsPerTask;
        int tiles = panels * chunks;
        if (parallel && tiles > 1 && (long)m * n * k > 32_768)
        {
            Parallel.For(0, tiles, job.RunTile);
        }
        else
        {
            for (int t = 0; t < tiles; t++)
            {
                job.RunTile(t);
            }
        }

        if (packedA is not null)
        {
            ArrayPool<float>.Shared.Return(packedA);
        }

        if (packedB is not null)
        {
            ArrayPool<float>.Shared.Return(packedB);
        }
    }

    /// <summary>destination[j·rows + i] = source[offset + i·columns + j] for a [rows, columns] source.</summary>
    public static void Transpose(float[] source, int offset, int rows, int columns, float[] destination)
    {
        const int Tile = 32;
        for (int i0 = 0; i0 < rows; i0 += Tile)
        {
            int i1 = Math.Min(rows, i0 + Tile);
            for (int j0 = 0; j0 < columns; j0 += Tile)
            {
                int j1 = Math.Min(columns, j0 + Tile);
                for (int i = i0; i < i1; i++)
                {
                    int row = offset + i * columns;
                    for (int j = j0; j < j1; j++)
                    {
                        destination[j * rows + i] = source[row + j];
                    }
                }
            }
        }
    }

    private sealed class Job(int m, int n, int k, float[] a, int aOffset, float[] b, int bOffset, float[] c, int cOffset, bool accumulate, float alpha)
    {
        private readonly int _panels = (n + ColumnPanel - 1) / ColumnPanel;

        public void RunTile(int tile)
        {
            int panel = tile % _panels;
            int chunk = tile / _panels;
            int j0 = panel * ColumnPanel;
            int columns = Math.Min(ColumnPanel, n - j0);
            int rowEnd = Math.Min(m, (chunk + 1) * RowsPerTask);
            int i = chunk * RowsPerTask;
            for (; i + RowBlock <= rowEnd; i += RowBlock)
            {
                Block(i, RowBlock, j0, columns);
            }

            for (; i < rowEnd; i++)
            {
                Block(i, 1, j0, columns);
            }
        }

        private void Block(int i0, int rows, int j0, int columns)
        {
            if (columns == ColumnPanel && rows == RowBlock)
            {
                Kernel4x16(i0, j0);
            }
            else
            {
                int j = j0;
                for (; j + Vector256<float>.Count <= j0 + columns; j += Vector256<float>.Count)
                {
                    for (int r = 0; r < rows; r++)
                    {
                        Kernel1x8(i0 + r, j);
                    }
                }

                for (; j < j0 + columns; j++)
                {
                    for (int r = 0; r < rows; r++)
                    {
                        Scalar(i0 + r, j);
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Kernel4x16(int i0, int j0)
        {
            ref float aRef = ref MemoryMarshal.GetArrayDataReference(a);
            ref float bRef = ref MemoryMarshal.GetArrayDataReference(b);
            nuint a0 = (nuint)(aOffset + i0 * k), a1 = a0 + (nuint)k, a2 = a1 + (nuint)k, a3 = a2 + (nuint)k;
            nuint bp = (nuint)(bOffset + j0);
            var c00 = Vector256<float>.Zero; var c01 = Vector256<float>.Zero;
            var c10 = Vector256<float>.Zero; var c11 = Vector256<float>.Zero;
            var c20 = Vector256<float>.Zero; var c21 = Vector256<float>.Zero;
            var c30 = Vector256<float>.Zero; var c31 = Vector256<float>.Zero;
            for (int p = 0; p < k; p++)
            {
                var b0 = Vector256.LoadUnsafe(ref bRef, bp);
                var b1 = Vector256.LoadUnsafe(ref bRef, bp + 8);
                bp += (nuint)n;
                var x = Vector256.Create(Unsafe.Add(ref aRef, a0 + (nuint)p));
                c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
                x = Vector256.Create(Unsafe.Add(ref aRef, a1 + (nuint)p));
                c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
                x = Vector256.Create(Unsafe.Add(ref aRef, a2 + (nuint)p));
                c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
                x = Vector256.Create(Unsafe.Add(ref aRef, a3 + (nuint)p));
                c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            }

            Store(i0, j0, c00, c01);
            Store(i0 + 1, j0, c10, c11);
            Store(i0 + 2, j0, c20, c21);
            Store(i0 + 3, j0, c30, c31);
        }

        private void Store(int i, int j, Vector256<float> low, Vector256<float> high)
        {
            Store8(i, j, low);
            Store8(i, j + 8, high);
        }

        private void Store8(int i, int j, Vector256<float> sum)
        {
            ref float cRef = ref MemoryMarshal.GetArrayDataReference(c);
            nuint at = (nuint)(cOffset + i * n + j);
            sum *= alpha;
            if (accumulate)
            {
                sum += Vector256.LoadUnsafe(ref cRef, at);
            }

            sum.StoreUnsafe(ref cRef, at);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Kernel1x8(int i, int j)
        {
            ref float aRef = ref MemoryMarshal.GetArrayDataReference(a);
            ref float bRef = ref MemoryMarshal.GetArrayDataReference(b);
            nuint ai = (nuint)(aOffset + i * k);
            nuint bp = (nuint)(bOffset + j);
            var sum = Vector256<float>.Zero;
            for (int p = 0; p < k; p++)
            {
                sum = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref aRef, ai + (nuint)p)), Vector256.LoadUnsafe(ref bRef, bp), sum);
                bp += (nuint)n;
            }

            Store8(i, j, sum);
        }

        private void Scalar(int i, int j)
        {
            int ai = aOffset + i * k;
            int bj = bOffset + j;
            float sum = 0;
            for (int p = 0; p < k; p++)
            {
                sum = MathF.FusedMultiplyAdd(a[ai + p], b[bj + p * n], sum);
            }

            int at = cOffset + i * n + j;
            c[at] = alpha * sum + (accumulate ? c[at] : 0f);
        }
    }

    /// <summary>C = A·Bᵀ with A [m, k] and B [n, k], both read along k.</summary>
    private sealed class DotJob(int m, int n, int k, float[] a, int aOffset, float[] b, int bOffset, float[] c, int cOffset, bool accumulate, float alpha)
    {
        private const int Block = 4;
        private const int RowsPerTile = 16;
        private const int ColumnsPerTile = 64;

        public void Run(bool parallel)
        {
            int rowTiles = (m + RowsPerTile - 1) / RowsPerTile;
            int columnTiles = (n + ColumnsPerTile - 1) / ColumnsPerTile;
            int tiles = rowTiles * columnTiles;
            if (parallel && tiles > 1 && (long)m * n * k > 32_768)
            {
                Parallel.For(0, tiles, t => Tile(t % rowTiles, t / rowTiles));
            }
            else
            {
                for (int t = 0; t < tiles; t++)
                {
                    Tile(t % rowTiles, t / rowTiles);
                }
            }
        }

        private void Tile(int rowTile, int columnTile)
        {
            int i1 = Math.Min(m, (rowTile + 1) * RowsPerTile);
            int j1 = Math.Min(n, (columnTile + 1) * ColumnsPerTile);
            for (int i = rowTile * RowsPerTile; i < i1; i += Block)
            {
                int j = columnTile * ColumnsPerTile;
                if (i + Block <= i1)
                {
                    for (; j + Block <= j1; j += Block)
                    {
                        Kernel4x4(i, j);
                    }
                }

                for (int r = i; r < Math.Min(i + Block, i1); r++)
                {
                    for (int jj = (i + Block <= i1 ? j : columnTile * ColumnsPerTile); jj < j1; jj++)
                    {
                        float dot = System.Numerics.Tensors.TensorPrimitives.Dot(a.AsSpan(aOffset + r * k, k), b.AsSpan(bOffset + jj * k, k));
                        int at = cOffset + r * n + jj;
                        c[at] = alpha * dot + (accumulate ? c[at] : 0f);
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Kernel4x4(int i0, int j0)
        {
            ref float aRef = ref MemoryMarshal.GetArrayDataReference(a);
            ref float bRef = ref MemoryMarshal.GetArrayDataReference(b);
            nuint a0 = (nuint)(aOffset + i0 * k), a1 = a0 + (nuint)k, a2 = a1 + (nuint)k, a3 = a2 + (nuint)k;
            nuint b0 = (nuint)(bOffset + j0 * k), b1 = b0 + (nuint)k, b2 = b1 + (nuint)k, b3 = b2 + (nuint)k;
            Span<Vector256<float>> acc = stackalloc Vector256<float>[16];
            var s00 = Vector256<float>.Zero; var s01 = Vector256<float>.Zero; var s02 = Vector256<float>.Zero; var s03 = Vector256<float>.Zero;
            var s10 = Vector256<float>.Zero; var s11 = Vector256<float>.Zero; var s12 = Vector256<float>.Zero; var s13 = Vector256<float>.Zero;
            var s20 = Vector256<float>.Zero; var s21 = Vector256<float>.Zero; var s22 = Vector256<float>.Zero; var s23 = Vector256<float>.Zero;
            var s30 = Vector256<float>.Zero; var s31 = Vector256<float>.Zero; var s32 = Vector256<float>.Zero; var s33 = Vector256<float>.Zero;
            int p = 0;
            for (; p + 8 <= k; p += 8)
            {
                nuint q = (nuint)p;
                var x0 = Vector256.LoadUnsafe(ref aRef, a0 + q);
                var x1 = Vector256.LoadUnsafe(ref aRef, a1 + q);
                var x2 = Vector256.LoadUnsafe(ref aRef, a2 + q);
                var x3 = Vector256.LoadUnsafe(ref aRef, a3 + q);
                var y = Vector256.LoadUnsafe(ref bRef, b0 + q);
                s00 = Vector256.FusedMultiplyAdd(x0, y, s00); s10 = Vector256.FusedMultiplyAdd(x1, y, s10);
                s20 = Vector256.FusedMultiplyAdd(x2, y, s20); s30 = Vector256.FusedMultiplyAdd(x3, y, s30);
                y = Vector256.LoadUnsafe(ref bRef, b1 + q);
                s01 = Vector256.FusedMultiplyAdd(x0, y, s01); s11 = Vector256.FusedMultiplyAdd(x1, y, s11);
                s21 = Vector256.FusedMultiplyAdd(x2, y, s21); s31 = Vector256.FusedMultiplyAdd(x3, y, s31);
                y = Vector256.LoadUnsafe(ref bRef, b2 + q);
                s02 = Vector256.FusedMultiplyAdd(x0, y, s02); s12 = Vector256.FusedMultiplyAdd(x1, y, s12);
                s22 = Vector256.FusedMultiplyAdd(x2, y, s22); s32 = Vector256.FusedMultiplyAdd(x3, y, s32);
                y = Vector256.LoadUnsafe(ref bRef, b3 + q);
                s03 = Vector256.FusedMultiplyAdd(x0, y, s03); s13 = Vector256.FusedMultiplyAdd(x1, y, s13);
                s23 = Vector256.FusedMultiplyAdd(x2, y, s23); s33 = Vector256.FusedMultiplyAdd(x3, y, s33);
            }

            acc[0] = s00; acc[1] = s01; acc[2] = s02; acc[3] = s03;
            acc[4] = s10; acc[5] = s11; acc[6] = s12; acc[7] = s13;
            acc[8] = s20; acc[9] = s21; acc[10] = s22; acc[11] = s23;
            acc[12] = s30; acc[13] = s31; acc[14] = s32; acc[15] = s33;
            for (int r = 0; r < Block; r++)
            {
                for (int t = 0; t < Block; t++)
                {
                    float dot = Vector256.Sum(acc[r * Block + t]);
                    for (int q = p; q < k; q++)
                    {
                        dot += a[aOffset + (i0 + r) * k + q] * b[bOffset + (j0 + t) * k + q];
                    }

                    int at = cOffset + (i0 + r) * n + j0 + t;
                    c[at] = alpha * dot + (accumulate ? c[at] : 0f);
                }
            }
        }
    }
}
