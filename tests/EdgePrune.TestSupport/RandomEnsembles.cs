using System.Collections.Immutable;
using EdgePrune.Core.Trees;

namespace EdgePrune.TestSupport;

/// <summary>Seeded random tree ensembles: random modes, thresholds on a 0.1 grid (so inputs hit them exactly), missing tracks, sparse votes.</summary>
public static class RandomEnsembles
{
    public static TreeEnsemble Create(Random random, TreeEnsembleKind kind, int features, int targets, int trees, TreePostTransform transform)
    {
        var built = new List<DecisionTree>();
        for (int t = 0; t < trees; t++)
        {
            var nodes = new List<TreeNode>();
            Grow(random, nodes, depth: 0, maxDepth: 1 + random.Next(5), features, targets);
            built.Add(DecisionTree.Create(nodes));
        }

        return new TreeEnsemble
        {
            Kind = kind,
            Trees = [.. built],
            FeatureCount = features,
            TargetCount = targets,
            Int64Labels = kind == TreeEnsembleKind.Classifier ? [.. Enumerable.Range(0, targets).Select(i => (long)(i * 3) - 2)] : default,
            PostTransform = transform,
            BaseValues = random.Next(2) == 0 ? [] : [.. Enumerable.Range(0, targets).Select(_ => (float)random.NextDouble() - 0.5f)],
        };
    }

    private static int Grow(Random random, List<TreeNode> nodes, int depth, int maxDepth, int features, int targets)
    {
        int index = nodes.Count;
        nodes.Add(null!);
        if (depth >= maxDepth || (depth > 0 && random.Next(4) == 0))
        {
            // A single-target leaf has exactly one weight (ONNX Runtime reads only the first).
            var weights = Enumerable.Range(0, targets == 1 ? 1 : 1 + random.Next(3))
                .Select(_ => new LeafWeight(random.Next(targets), (float)Math.Round((random.NextDouble() * 2) - 0.5, 3)))
                .ToImmutableArray();
            nodes[index] = new TreeNode { Mode = TreeNodeMode.Leaf, Weights = weights };
            return index;
        }

        var mode = (TreeNodeMode)random.Next(6);
        float threshold = (float)Math.Round((random.NextDouble() * 4) - 2, 1);
        int t = Grow(random, nodes, depth + 1, maxDepth, features, targets);
        int f = Grow(random, nodes, depth + 1, maxDepth, features, targets);
        nodes[index] = TreeNode.Branch(mode, random.Next(features), threshold, t, f, random.Next(2) == 0);
        return index;
    }
}
