namespace EdgePrune.Compression.Pruning.Criteria;

/// <summary>Dense symmetric positive-definite algebra in doubles (row-major n×n), enough for layer Hessians.</summary>
internal static class SymmetricMatrix
{
    /// <summary>The lower Cholesky factor L with a = L·Lᵀ; null when a is not positive definite.</summary>
    public static double[]? Cholesky(double[] a, int n)
    {
        var l = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i * n + j];
                for (int k = 0; k < j; k++)
                {
                    sum -= l[i * n + k] * l[j * n + k];
                }

                if (i == j)
                {
                    if (!(sum > 0))
                    {
                        return null;
                    }

                    l[i * n + i] = Math.Sqrt(sum);
                }
                else
                {
                    l[i * n + j] = sum / l[j * n + j];
                }
            }
        }

        return l;
    }

    /// <summary>a⁻¹ from the lower Cholesky factor of a: (L⁻¹)ᵀ·L⁻¹.</summary>
    public static double[] InverseFromCholesky(double[] l, int n)
    {
        var inverse = new double[n * n];
        for (int column = 0; column < n; column++)
        {
            for (int i = column; i < n; i++)
            {
                double sum = i == column ? 1 : 0;
                for (int k = column; k < i; k++)
                {
                    sum -= l[i * n + k] * inverse[k * n + column];
                }

                inverse[i * n + column] = sum / l[i * n + i];
            }
        }

        var result = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double sum = 0;
                for (int k = i; k < n; k++)
                {
                    sum += inverse[k * n + i] * inverse[k * n + j];
                }

                result[i * n + j] = result[j * n + i] = sum;
            }
        }

        return result;
    }
}
