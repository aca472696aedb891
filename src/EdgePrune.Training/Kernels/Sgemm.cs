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

    // One job of each kind per thread, reused by every call on it, so a multiply allocates nothing. Per thread because
    // convolution chunks call Multiply on several worker threads at once.
    [ThreadStatic]
    private static Job? t_job;

    [ThreadStatic]
    private static DotJob? t_dotJob;

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
            var dot = t_dotJob ??= new DotJob();
            dot.Prepare(m, n, k, a, aOffset, b, bOffset, c, cOffset, accumulate, alpha);
            dot.Run(parallel);
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

        var job = t_job ??= new Job();
        job.Prepare(m, n, k, a, aOffset, b, bOffset, c, cOffset, accumulate, alpha);
        int panels = (n + ColumnPanel - 1) / ColumnPanel;
        int chunks = (m + RowsPerTask - 1) / RowsPerTask;
        int tiles = panels * chunks;
        if (parallel && tiles > 1 && (long)m * n * k > 32_768)
        {
            WorkerPool.Run(job, tiles);
        }
        else
        {
            for (int t = 0; t < tiles; t++)
            {
                job.Execute(t);
            }
        }

        job.Release();

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

    private sealed class Job : IParallelWork
    {
        private int _panels;
        private int _m, _n, _k, _aOffset, _bOffset, _cOffset;
        private float[] _a = [], _b = [], _c = [];
        private bool _accumulate;
        private float _alpha;

        /// <summary>Takes the operands of one <see cref="Multiply"/> call (the job is reused; <see cref="Release"/> lets go of them).</summary>
        public void Prepare(int m, int n, int k, float[] a, int aOffset, float[] b, int bOffset, float[] c, int cOffset, bool accumulate, float alpha)
        {
            (_m, _n, _k, _a, _aOffset, _b, _bOffset, _c, _cOffset, _accumulate, _alpha) = (m, n, k, a, aOffset, b, bOffset, c, cOffset, accumulate, alpha);
            _panels = (n + ColumnPanel - 1) / ColumnPanel;
        }

        /// <summary>Drops the operand arrays, so a thread's cached job does not keep an engine's buffers alive.</summary>
        public void Release() => _a = _b = _c = [];

        public void Execute(int tile)
        {
            int panel = tile % _panels;
            int chunk = tile / _panels;
            int j0 = panel * ColumnPanel;
            int columns = Math.Min(ColumnPanel, _n - j0);
            int rowEnd = Math.Min(_m, (chunk + 1) * RowsPerTask);
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
            ref float aRef = ref MemoryMarshal.GetArrayDataReference(_a);
            ref float bRef = ref MemoryMarshal.GetArrayDataReference(_b);
            nuint a0 = (nuint)(_aOffset + i0 * _k), a1 = a0 + (nuint)_k, a2 = a1 + (nuint)_k, a3 = a2 + (nuint)_k;
            nuint bp = (nuint)(_bOffset + j0);
            var c00 = Vector256<float>.Zero; var c01 = Vector256<float>.Zero;
            var c10 = Vector256<float>.Zero; var c11 = Vector256<float>.Zero;
            var c20 = Vector256<float>.Zero; var c21 = Vector256<float>.Zero;
            var c30 = Vector256<float>.Zero; var c31 = Vector256<float>.Zero;
            for (int p = 0; p < _k; p++)
            {
                var b0 = Vector256.LoadUnsafe(ref bRef, bp);
                var b1 = Vector256.LoadUnsafe(ref bRef, bp + 8);
                bp += (nuint)_n;
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
            ref float cRef = ref MemoryMarshal.GetArrayDataReference(_c);
            nuint at = (nuint)(_cOffset + i * _n + j);
            sum *= _alpha;
            if (_accumulate)
            {
                sum += Vector256.LoadUnsafe(ref cRef, at);
            }

            sum.StoreUnsafe(ref cRef, at);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Kernel1x8(int i, int j)
        {
            ref float aRef = ref MemoryMarshal.GetArrayDataReference(_a);
            ref float bRef = ref MemoryMarshal.GetArrayDataReference(_b);
            nuint ai = (nuint)(_aOffset + i * _k);
            nuint bp = (nuint)(_bOffset + j);
            var sum = Vector256<float>.Zero;
            for (int p = 0; p < _k; p++)
            {
                sum = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref aRef, ai + (nuint)p)), Vector256.LoadUnsafe(ref bRef, bp), sum);
                bp += (nuint)_n;
            }

            Store8(i, j, sum);
        }

        private void Scalar(int i, int j)
        {
            int ai = _aOffset + i * _k;
            int bj = _bOffset + j;
            float sum = 0;
            for (int p = 0; p < _k; p++)
            {
                sum = MathF.FusedMultiplyAdd(_a[ai + p], _b[bj + p * _n], sum);
            }

            int at = _cOffset + i * _n + j;
            _c[at] = _alpha * sum + (_accumulate ? _c[at] : 0f);
        }
    }

    /// <summary>C = A·Bᵀ with A [m, k] and B [n, k], both read along k.</summary>
    private sealed class DotJob : IParallelWork
    {
        private const int Block = 4;
        private const int RowsPerTile = 16;
        private const int ColumnsPerTile = 64;

        private int _m, _n, _k, _aOffset, _bOffset, _cOffset, _rowTiles;
        private float[] _a = [], _b = [], _c = [];
        private bool _accumulate;
        private float _alpha;

        /// <summary>Takes the operands of one <see cref="Multiply"/> call (the job is reused; <see cref="Run"/> lets go of them).</summary>
        public void Prepare(int m, int n, int k, float[] a, int aOffset, float[] b, int bOffset, float[] c, int cOffset, bool accumulate, float alpha)
        {
            (_m, _n, _k, _a, _aOffset, _b, _bOffset, _c, _cOffset, _accumulate, _alpha) = (m, n, k, a, aOffset, b, bOffset, c, cOffset, accumulate, alpha);
        }

        public void Run(bool parallel)
        {
            _rowTiles = (_m + RowsPerTile - 1) / RowsPerTile;
            int columnTiles = (_n + ColumnsPerTile - 1) / ColumnsPerTile;
            int tiles = _rowTiles * columnTiles;
            if (parallel && tiles > 1 && (long)_m * _n * _k > 32_768)
            {
                WorkerPool.Run(this, tiles);
            }
            else
            {
                for (int t = 0; t < tiles; t++)
                {
                    Execute(t);
                }
            }

            _a = _b = _c = [];
        }

        public void Execute(int tile) => Tile(tile % _rowTiles, tile / _rowTiles);

        private void Tile(int rowTile, int columnTile)
        {
            int i1 = Math.Min(_m, (rowTile + 1) * RowsPerTile);
            int j1 = Math.Min(_n, (columnTile + 1) * ColumnsPerTile);
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
                        float dot = System.Numerics.Tensors.TensorPrimitives.Dot(_a.AsSpan(_aOffset + r * _k, _k), _b.AsSpan(_bOffset + jj * _k, _k));
                        int at = _cOffset + r * _n + jj;
                        _c[at] = _alpha * dot + (_accumulate ? _c[at] : 0f);
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Kernel4x4(int i0, int j0)
        {
            ref float aRef = ref MemoryMarshal.GetArrayDataReference(_a);
            ref float bRef = ref MemoryMarshal.GetArrayDataReference(_b);
            nuint a0 = (nuint)(_aOffset + i0 * _k), a1 = a0 + (nuint)_k, a2 = a1 + (nuint)_k, a3 = a2 + (nuint)_k;
            nuint b0 = (nuint)(_bOffset + j0 * _k), b1 = b0 + (nuint)_k, b2 = b1 + (nuint)_k, b3 = b2 + (nuint)_k;
            Span<Vector256<float>> acc = stackalloc Vector256<float>[16];
            var s00 = Vector256<float>.Zero; var s01 = Vector256<float>.Zero; var s02 = Vector256<float>.Zero; var s03 = Vector256<float>.Zero;
            var s10 = Vector256<float>.Zero; var s11 = Vector256<float>.Zero; var s12 = Vector256<float>.Zero; var s13 = Vector256<float>.Zero;
            var s20 = Vector256<float>.Zero; var s21 = Vector256<float>.Zero; var s22 = Vector256<float>.Zero; var s23 = Vector256<float>.Zero;
            var s30 = Vector256<float>.Zero; var s31 = Vector256<float>.Zero; var s32 = Vector256<float>.Zero; var s33 = Vector256<float>.Zero;
            int p = 0;
            for (; p + 8 <= _k; p += 8)
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
                    for (int q = p; q < _k; q++)
                    {
                        dot += _a[_aOffset + (i0 + r) * _k + q] * _b[_bOffset + (j0 + t) * _k + q];
                    }

                    int at = _cOffset + (i0 + r) * _n + j0 + t;
                    _c[at] = _alpha * dot + (_accumulate ? _c[at] : 0f);
                }
            }
        }
    }
}
