using EdgePrune.Core;

namespace EdgePrune.Compression.Pruning.Schedules;

/// <summary>
/// Zhu &amp; Gupta 2017 ("To prune, or not to prune", eq. 1): s_t = s_f + (s_i − s_f)(1 − (t − t₀)/n)³ for t₀ ≤ t ≤ t₀ + n,
/// s_i before and s_f after. Sparsity rises fast while the network has many redundant weights and slowly near the end.
/// </summary>
/// <param name="Initial">s_i, the sparsity at the first pruning step.</param>
/// <param name="Final">s_f, reached at step <paramref name="Start"/> + <paramref name="Steps"/>.</param>
/// <param name="Start">t₀, the training step of the first pruning.</param>
/// <param name="Steps">n, the steps over which sparsity rises.</param>
public sealed record PolynomialSparsity(float Initial, float Final, int Start, int Steps)
{
    public float At(int step)
    {
        if (step <= Start)
        {
            return Initial;
        }

        if (step >= Start + Steps)
        {
            return Final;
        }

        double remaining = 1 - (double)(step - Start) / Steps;
        return (float)(Final + (Initial - Final) * remaining * remaining * remaining);
    }

    public void Validate()
    {
        if (!(Initial >= 0 && Initial <= Final && Final < 1) || Start < 0 || Steps < 1)
        {
            throw new EdgePruneException($"a gradual schedule needs 0 ≤ initial ≤ final < 1 and at least one step (got initial {Initial}, final {Final}, start {Start}, steps {Steps})");
        }
    }
}
