using EdgePrune.Core;
using EdgePrune.Core.Ir;

namespace EdgePrune.Compression.Pruning.Criteria;

/// <summary>
/// Second-order pruning in the manner of OBS and SparseGPT (Frantar &amp; Alistarh 2023). Per layer the Hessian of the
/// reconstruction error ‖WX − ŴX‖² is H = XᵀX + λI over the calibration rows X (λ = <see cref="Dampening"/> × mean
/// diag, as SparseGPT). A weight's saliency is w² / [U]ⱼⱼ² with U the upper Cholesky factor of H⁻¹; once the mask is
/// chosen each output row is walked column by column and every removed weight's error w / Uⱼⱼ is pushed onto the
/// columns after it through row j of U, the OBS update that lets the surviving weights compensate.
/// As a criterion the mask is chosen once from the dense weights and all layers see the dense model's activations;
/// <see cref="SparseGptPruner"/> is the full method (sequential, mask re-chosen per column block).
/// </summary>
public sealed class SparseGptCriterion(Tensor calibration, double dampening = 0.01) : IPruningCriterion
{
    public string Name => "sparsegpt";

    public double Dampening => dampening;

    public IReadOnlyList<LayerSaliency> Assess(Graph graph, IReadOnlyList<WeightMatrix> layers)
    {
        var activations = LayerInputs.Activations(graph, calibration);
        return layers.Select(layer => (LayerSaliency)Saliency(layer, Hessian(layer, activations))).ToList();
    }

    /// <summary>XᵀX over the layer's calibration rows (n × n, n = inputs).</summary>
    public static double[] Hessian(WeightMatrix layer, IReadOnlyDictionary<string, Tensor> activations)
    {
        int n = layer.Inputs;
        var h = new double[n * n];
        LayerInputs.ForEachRow(layer, activations, row =>
        {
            for (int i = 0; i < n; i++)
            {
                double xi = row[i];
                if (xi == 0)
                {
                    continue;
                }

                for (int j = i; j < n; j++)
                {
                    h[i * n + j] += xi * row[j];
                }
            }
        });
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < i; j++)
            {
                h[i * n + j] = h[j * n + i];
            }
        }

        return h;
    }

    private ObsSaliency Saliency(WeightMatrix layer, double[] hessian)
    {
        var factor = InverseFactor(layer, hessian, dampening);
        return new ObsSaliency(Scores(layer, layer.Weights.ToFloatArray(), factor), layer, factor);
    }

    /// <summary>
    /// L, lower triangular with L·Lᵀ = (H + λI)⁻¹, λ = <paramref name="dampening"/> × mean diag of H (added in place);
    /// U = Lᵀ is the upper factor of the paper's update.
    /// </summary>
    internal static double[] InverseFactor(WeightMatrix layer, double[] hessian, double dampening)
    {
        int n = layer.Inputs;
        double mean = Enumerable.Range(0, n).Average(i => hessian[i * n + i]);
        double lambda = dampening * (mean > 0 ? mean : 1);
        for (int i = 0; i < n; i++)
        {
            hessian[i * n + i] += lambda;
        }

        var l = SymmetricMatrix.Cholesky(hessian, n)
            ?? throw new EdgePruneException($"{layer.Node.Describe()}: the calibration Hessian is not positive definite; raise the dampening");
        var inverse = SymmetricMatrix.InverseFromCholesky(l, n);
        return SymmetricMatrix.Cholesky(inverse, n)
            ?? throw new EdgePruneException($"{layer.Node.Describe()}: the inverse Hessian lost positive definiteness in float rounding; raise the dampening");
    }

    /// <summary>|w| / Uⱼⱼ per weight of <paramref name="w"/> (stored order): the square root of OBS's error w² / [H⁻¹]ⱼⱼ.</summary>
    internal static float[] Scores(WeightMatrix layer, float[] w, double[] factor)
    {
        int n = layer.Inputs;
        var scores = new float[w.Length];
        for (int o = 0; o < layer.Outputs; o++)
        {
            for (int j = 0; j < n; j++)
            {
                int index = layer.Index(o, j);
                scores[index] = (float)(Math.Abs(w[index]) / factor[j * n + j]);
            }
        }

        return scores;
    }

    /// <summary>
    /// Removes weight <paramref name="j"/> of one output row and moves the later ones to make up for it: the error
    /// w / Uⱼⱼ is pushed onto columns k ≥ j through row j of U (Lₖⱼ in the lower factor).
    /// </summary>
    internal static void RemoveAndCompensate(double[] row, int j, double[] factor, int n)
    {
        double error = row[j] / factor[j * n + j];
        for (int k = j; k < n; k++)
        {
            row[k] -= error * factor[k * n + j];
        }

        row[j] = 0;
    }

    /// <summary>Scores plus the factor the OBS update needs; U = Lᵀ where L·Lᵀ = H⁻¹.</summary>
    private sealed class ObsSaliency(float[] scores, WeightMatrix layer, double[] lowerOfInverse) : LayerSaliency(scores)
    {
        public override void Compensate(float[] values, bool[] pruned)
        {
            int n = layer.Inputs;
            var row = new double[n];
            for (int o = 0; o < layer.Outputs; o++)
            {
                for (int j = 0; j < n; j++)
                {
                    row[j] = values[layer.Index(o, j)];
                }

                for (int j = 0; j < n; j++)
                {
                    if (pruned[layer.Index(o, j)])
                    {
                        RemoveAndCompensate(row, j, lowerOfInverse, n);
                    }
                }

                for (int j = 0; j < n; j++)
                {
                    values[layer.Index(o, j)] = (float)row[j];
                }
            }
        }
    }
}
