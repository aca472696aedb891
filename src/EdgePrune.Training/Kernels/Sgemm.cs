using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgePrune.Training.Kernels;

/// <summary>
/// Single-precision matrix multiply C = op(A)·op(B) (+ C), row-major. Transposed operands are first packed into
/// pooled row-major copies, so one register-blocked kernel (4 rows × 16 columns held in eight Vector256
/// accumulators, fused multiply-add over the whole K) serves every case. Work is split into column panels ×
/// row chunks, so a panel of B stays in cache while the rows of A stream past it.
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
}
