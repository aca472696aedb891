using System.Collections.Immutable;
using EdgePrune.Core;
using EdgePrune.Core.Trees;
using EdgePrune.Training.Trees;

namespace EdgePrune.Compression.Trees;

/// <summary>One subtree on the minimal cost-complexity path: it is optimal for every α from <see cref="Alpha"/> up to the next step's.</summary>
public sealed record PruningStep(double Alpha, int Leaves, int Nodes, double Impurity, ImmutableHashSet<int> Collapsed);

/// <summary>Accuracy (or cross-validated accuracy) of each step, and the chosen one.</summary>
public sealed record AlphaChoice(IReadOnlyList<PruningStep> Path, IReadOnlyList<double> Accuracy, IReadOnlyList<double> StandardError, int Chosen)
{
    public PruningStep ChosenStep => Path[Chosen];

    /// <summary>The same accuracies under the other selection rule (best accuracy, or the one-standard-error rule).</summary>
    public AlphaChoice Rechoose(bool oneStandardError) => this with { Chosen = CostComplexityPruner.Choose(Accuracy, StandardError, oneStandardError) };
}

/// <summary>
/// Minimal cost-complexity pruning (Breiman et al., CART 1984, ch. 3; the weakest-link algorithm). The cost of a subtree
/// is R(T) + α·|leaves|, with R the Gini impurity of the leaves weighted by their share of samples (as scikit-learn's
/// <c>cost_complexity_pruning_path</c>); each step collapses the internal nodes whose removal costs least impurity per
/// leaf removed.
/// </summary>
public static class CostComplexityPruner
{
    /// <summary>The whole α path, from the unpruned tree (α = 0) to the root alone.</summary>
    public static IReadOnlyList<PruningStep> Path(NodeStatistics stats)
    {
        var tree = stats.Tree;
        var nodes = tree.Nodes;
        var leafImpurity = new double[tree.NodeCount];
        for (int i = 0; i < tree.NodeCount; i++)
        {
            double n = stats.CountAt(i);
            double sumSquares = stats.Counts[i].Sum(c => c * c);
            leafImpurity[i] = n == 0 ? 0 : (n - (sumSquares / n)) / stats.Total;
        }

        int[] postOrder = [.. tree.PreOrder().Reverse()];
        var collapsed = ImmutableHashSet<int>.Empty;
        var steps = new List<PruningStep>();
        var subtreeImpurity = new double[tree.NodeCount];
        var subtreeLeaves = new int[tree.NodeCount];
        double alpha = 0;
        while (true)
        {
            // Children come before parents in post-order, so subtree sums build bottom-up; collapsed nodes act as leaves.
            var reachable = Reachable(tree, collapsed);
            foreach (int i in postOrder)
            {
                if (nodes[i].IsLeaf || collapsed.Contains(i))
                {
                    subtreeImpurity[i] = leafImpurity[i];
                    subtreeLeaves[i] = 1;
                }
                else
                {
                    subtreeImpurity[i] = subtreeImpurity[nodes[i].TrueChild] + subtreeImpurity[nodes[i].FalseChild];
                    subtreeLeaves[i] = subtreeLeaves[nodes[i].TrueChild] + subtreeLeaves[nodes[i].FalseChild];
                }
            }

            steps.Add(new PruningStep(alpha, subtreeLeaves[0], (2 * subtreeLeaves[0]) - 1, subtreeImpurity[0], collapsed));
            if (subtreeLeaves[0] == 1)
            {
                return steps;
            }

            double weakest = double.PositiveInfinity;
            var links = new List<(int Node, double G)>();
            foreach (int i in postOrder)
            {
                if (!reachable[i] || nodes[i].IsLeaf || collapsed.Contains(i))
                {
                    continue;
                }

                double g = (leafImpurity[i] - subtreeImpurity[i]) / (subtreeLeaves[i] - 1);
                links.Add((i, g));
                weakest = Math.Min(weakest, g);
            }

            // Links within float noise of the weakest go together, as they would in exact arithmetic.
            double tolerance = 1e-12 + (1e-9 * Math.Abs(weakest));
            alpha = Math.Max(alpha, weakest);
            collapsed = collapsed.Union(links.Where(l => l.G <= weakest + tolerance).Select(l => l.Node));
        }
    }

    /// <summary>The tree of <paramref name="step"/>, with collapsed nodes voting their class proportions.</summary>
    public static DecisionTree Apply(NodeStatistics stats, PruningStep step) =>
        stats.Tree.Collapse(step.Collapsed, stats.LeafWeightsFor);

    /// <summary>
    /// Picks α by accuracy on a validation set: the most accurate step, or with <paramref name="oneStandardError"/> the
    /// smallest tree whose accuracy is within one binomial standard error of the best (Breiman's 1-SE rule).
    /// </summary>
    public static AlphaChoice ChooseByValidation(TreeEnsemble template, NodeStatistics stats, TreeDataset validation, bool oneStandardError)
    {
        var path = Path(stats);
        var accuracy = path.Select(step => Accuracy(template with { Trees = [Apply(stats, step)] }, validation)).ToList();
        var se = accuracy.Select(a => Math.Sqrt(a * (1 - a) / validation.Rows)).ToList();
        return new AlphaChoice(path, accuracy, se, Choose(accuracy, se, oneStandardError));
    }

    /// <summary>
    /// Picks α by k-fold cross-validation (CART §3.4): for each fold a tree is grown with <paramref name="options"/> on the
    /// other folds and pruned at the geometric midpoints √(α_k·α_k+1) of the full tree's path; the step with the best mean
    /// held-out accuracy wins (or the smallest within one standard error). With <paramref name="repeats"/> above one the
    /// whole k-fold run is repeated on new shuffles (seeds <paramref name="seed"/>, seed + 1, …) and the accuracies averaged:
    /// one k-fold split is a noisy estimate, and the noise decides where the best step (and so the 1-SE floor) lands. The
    /// standard error stays the binomial one of <c>train.Rows</c> samples, since repeats reuse the same samples.
    /// </summary>
    public static AlphaChoice ChooseByCrossValidation(TreeEnsemble template, NodeStatistics stats, TreeDataset train, CartOptions options, int folds, bool oneStandardError, int seed = 0, int repeats = 1)
    {
        if (folds < 2 || folds > train.Rows)
        {
            throw new EdgePruneException($"cross-validation needs between 2 and {train.Rows} folds, not {folds}");
        }

        if (repeats < 1)
        {
            throw new EdgePruneException($"cross-validation needs at least one repeat, not {repeats}");
        }

        var path = Path(stats);
        double[] midpoints = [.. path.Select((s, k) => k + 1 < path.Count ? Math.Sqrt(s.Alpha * path[k + 1].Alpha) : double.PositiveInfinity)];
        var orders = Enumerable.Range(0, repeats).Select(r =>
        {
            int[] order = [.. Enumerable.Range(0, train.Rows)];
            new Random(seed + r).Shuffle(order);
            return order;
        }).ToArray();

        // Folds are independent; each writes its own row of correct counts, summed afterwards in a fixed order.
        var correctPerFold = new double[repeats * folds][];
        Parallel.For(0, repeats * folds, run =>
        {
            var (order, fold) = (orders[run / folds], run % folds);
            var foldTrain = train.Subset([.. order.Where((_, i) => i % folds != fold)]);
            var foldTest = train.Subset([.. order.Where((_, i) => i % folds == fold)]);
            var foldTree = CartTrainer.Train(foldTrain, options).Trees[0];
            var foldStats = NodeStatistics.Collect(foldTree, foldTrain, stats.Counts[0].Length);
            var foldPath = Path(foldStats);
            var correct = new double[path.Count];
            for (int k = 0; k < path.Count; k++)
            {
                // The fold's optimal subtree for α is the last step whose α does not exceed it.
                int j = foldPath.Count - 1;
                while (j > 0 && foldPath[j].Alpha > midpoints[k])
                {
                    j--;
                }

                correct[k] = Accuracy(template with { Trees = [Apply(foldStats, foldPath[j])] }, foldTest) * foldTest.Rows;
            }

            correctPerFold[run] = correct;
        });

        var accuracy = Enumerable.Range(0, path.Count).Select(k => correctPerFold.Sum(c => c[k]) / ((double)train.Rows * repeats)).ToList();
        var se = accuracy.Select(a => Math.Sqrt(a * (1 - a) / train.Rows)).ToList();
        return new AlphaChoice(path, accuracy, se, Choose(accuracy, se, oneStandardError));
    }

    public static double Accuracy(TreeEnsemble ensemble, TreeDataset data)
    {
        var predicted = TreeEnsembleEvaluator.Predict(ensemble, data.Features).Classes;
        int hits = 0;
        for (int i = 0; i < predicted.Length; i++)
        {
            hits += predicted[i] == data.Classes![i] ? 1 : 0;
        }

        return (double)hits / data.Rows;
    }

    /// <summary>Later steps are smaller trees, so ties (and the 1-SE rule) go to the last qualifying step.</summary>
    internal static int Choose(IReadOnlyList<double> accuracy, IReadOnlyList<double> se, bool oneStandardError)
    {
        int best = 0;
        for (int k = 1; k < accuracy.Count; k++)
        {
            if (accuracy[k] >= accuracy[best])
            {
                best = k;
            }
        }

        if (!oneStandardError)
        {
            return best;
        }

        double floor = accuracy[best] - se[best];
        int chosen = best;
        for (int k = best; k < accuracy.Count; k++)
        {
            if (accuracy[k] >= floor)
            {
                chosen = k;
            }
        }

        return chosen;
    }

    private static bool[] Reachable(DecisionTree tree, ImmutableHashSet<int> collapsed)
    {
        var reachable = new bool[tree.NodeCount];
        var stack = new Stack<int>();
        stack.Push(0);
        while (stack.Count > 0)
        {
            int i = stack.Pop();
            reachable[i] = true;
            if (!tree.Nodes[i].IsLeaf && !collapsed.Contains(i))
            {
                stack.Push(tree.Nodes[i].TrueChild);
                stack.Push(tree.Nodes[i].FalseChild);
            }
        }

        return reachable;
    }
}
