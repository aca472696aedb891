using EdgePrune.Core.Trees;

namespace EdgePrune.Training.Trees;

/// <summary>
/// Grows one CART tree over binned features: at each node, every candidate feature's samples are counting-sorted by bin
/// and scanned once with O(1) impurity updates per sample, so a node costs O(samples × features + bins × features).
/// Nodes are expanded best-first by impurity decrease, which equals depth-first growth when no leaf limit applies.
/// </summary>
internal sealed class TreeGrower
{
    private readonly TreeDataset _data;
    private readonly FeatureBins _bins;
    private readonly CartOptions _options;
    private readonly float _leafScale;
    private readonly int _classes;
    private readonly bool _regression;
    private readonly Random _random;
    private readonly int[] _featureOrder;
    private readonly int[] _binCounts = new int[256];
    private readonly int[] _binStart = new int[256];
    private readonly int[] _sortedClasses;
    private readonly double[] _sortedTargets;
    private readonly double[] _left;
    private readonly double[] _right;
    private readonly double[] _xlogx;

    public TreeGrower(TreeDataset data, FeatureBins bins, CartOptions options, float leafScale, int seed)
    {
        _data = data;
        _bins = bins;
        _options = options;
        _leafScale = leafScale;
        _regression = data.Classes is null;
        _classes = _regression ? 1 : data.ClassCount;
        _random = new Random(seed);
        _featureOrder = [.. Enumerable.Range(0, data.FeatureCount)];
        _sortedClasses = new int[_regression ? 0 : data.Rows];
        _sortedTargets = new double[_regression ? data.Rows : 0];
        _left = new double[_classes];
        _right = new double[_classes];
        _xlogx = options.Criterion == SplitCriterion.Entropy
            ? [.. Enumerable.Range(0, data.Rows + 2).Select(k => k == 0 ? 0 : k * Math.Log(k))]
            : [];
    }

    private sealed record Split(int Feature, int Bin, float Threshold, double Gain);

    private sealed class Pending
    {
        public required int NodeIndex;
        public required int Lo;
        public required int Hi;
        public required int Depth;
        public Split? Split;
    }

    /// <param name="samples">Sample indices to grow on (a bootstrap sample may repeat indices); reordered in place.</param>
    public DecisionTree Grow(int[] samples)
    {
        var nodes = new List<TreeNode?> { null };
        var queue = new PriorityQueue<Pending, (double, int)>();
        var root = new Pending { NodeIndex = 0, Lo = 0, Hi = samples.Length, Depth = 0 };
        var leaves = new List<Pending>();
        int leafCount = 1;
        Consider(root, samples, queue, leaves);
        while (queue.Count > 0)
        {
            var p = queue.Dequeue();
            if (leafCount >= _options.MaxLeaves)
            {
                leaves.Add(p);
                continue;
            }

            var split = p.Split!;
            var codes = _bins.Codes[split.Feature];
            int mid = Partition(samples, p.Lo, p.Hi, codes, split.Bin);
            int left = nodes.Count;
            nodes.Add(null);
            nodes.Add(null);
            nodes[p.NodeIndex] = TreeNode.Branch(TreeNodeMode.BranchLeq, split.Feature, split.Threshold, left, left + 1);
            leafCount++;
            Consider(new Pending { NodeIndex = left, Lo = p.Lo, Hi = mid, Depth = p.Depth + 1 }, samples, queue, leaves);
            Consider(new Pending { NodeIndex = left + 1, Lo = mid, Hi = p.Hi, Depth = p.Depth + 1 }, samples, queue, leaves);
        }

        foreach (var leaf in leaves)
        {
            nodes[leaf.NodeIndex] = MakeLeaf(samples.AsSpan(leaf.Lo, leaf.Hi - leaf.Lo));
        }

        return DecisionTree.Create(nodes.Select(n => n!).ToList());
    }

    private void Consider(Pending p, int[] samples, PriorityQueue<Pending, (double, int)> queue, List<Pending> leaves)
    {
        int n = p.Hi - p.Lo;
        if (p.Depth < _options.MaxDepth && n >= _options.MinSamplesSplit && n >= 2 * _options.MinSamplesLeaf)
        {
            p.Split = FindSplit(samples.AsSpan(p.Lo, n));
        }

        if (p.Split is null)
        {
            leaves.Add(p);
        }
        else
        {
            // Ties go to the node created first, so growth order is deterministic.
            queue.Enqueue(p, (-p.Split.Gain, p.NodeIndex));
        }
    }

    private Split? FindSplit(ReadOnlySpan<int> samples)
    {
        int n = samples.Length;
        int c = _classes;
        var total = new double[c];
        double totalSquares = 0;
        foreach (int s in samples)
        {
            if (_regression)
            {
                double y = _data.Targets![s];
                total[0] += y;
                totalSquares += y * y;
            }
            else
            {
                total[_data.Classes![s]]++;
            }
        }

        if (_regression ? totalSquares - (total[0] * total[0] / n) <= 1e-12 * Math.Max(1, totalSquares) : total.Contains(n))
        {
            return null;
        }

        double parentScore = _regression ? total[0] * total[0] / n : Score(total, n);
        int wanted = _options.MaxFeatures ?? _featureOrder.Length;
        int useful = 0;
        Split? best = null;
        for (int k = 0; k < _featureOrder.Length && useful < wanted; k++)
        {
            if (wanted < _featureOrder.Length)
            {
                int pick = _random.Next(k, _featureOrder.Length);
                (_featureOrder[k], _featureOrder[pick]) = (_featureOrder[pick], _featureOrder[k]);
            }

            int f = _featureOrder[k];
            var codes = _bins.Codes[f];
            int minBin = 255, maxBin = 0;
            foreach (int s in samples)
            {
                int b = codes[s];
                _binCounts[b]++;
                minBin = Math.Min(minBin, b);
                maxBin = Math.Max(maxBin, b);
            }

            if (minBin == maxBin)
            {
                _binCounts[minBin] = 0;
                continue;
            }

            useful++;

            // Counting sort of the node's labels by bin, then one pass that moves samples from right to left.
            int position = 0;
            for (int b = minBin; b <= maxBin; b++)
            {
                int count = _binCounts[b];
                _binStart[b] = position;
                position += count;
            }

            foreach (int s in samples)
            {
                int slot = _binStart[codes[s]]++;
                if (_regression)
                {
                    _sortedTargets[slot] = _data.Targets![s];
                }
                else
                {
                    _sortedClasses[slot] = _data.Classes![s];
                }
            }

            var candidate = _regression ? ScanRegression(f, n, minBin, maxBin, total[0], parentScore) : ScanClasses(f, n, minBin, maxBin, total, parentScore);
            if (candidate is not null && (best is null || candidate.Gain > best.Gain))
            {
                best = candidate;
            }

            Array.Clear(_binCounts, minBin, maxBin - minBin + 1);
        }

        return best;
    }

    /// <summary>
    /// Best split of one feature for classification. The score is minus the weighted impurity up to a constant that cancels
    /// in the gain: Σc²/n for Gini, Σ c·ln c − n·ln n for entropy; both update in O(1) per sample.
    /// </summary>
    private Split? ScanClasses(int feature, int n, int minBin, int maxBin, double[] total, double parentScore)
    {
        bool entropy = _options.Criterion == SplitCriterion.Entropy;
        var left = _left;
        var right = _right;
        Array.Clear(left);
        Array.Copy(total, right, total.Length);
        double leftStat = 0;
        double rightStat = 0;
        foreach (double v in total)
        {
            rightStat += entropy ? _xlogx[(int)v] : v * v;
        }

        Split? best = null;
        int nLeft = 0;
        int previous = -1;
        int i = 0;
        for (int b = minBin; b <= maxBin; b++)
        {
            int count = _binCounts[b];
            if (count == 0)
            {
                continue;
            }

            if (previous >= 0 && nLeft >= _options.MinSamplesLeaf && n - nLeft >= _options.MinSamplesLeaf)
            {
                int nRight = n - nLeft;
                double score = entropy
                    ? leftStat - _xlogx[nLeft] + rightStat - _xlogx[nRight]
                    : (leftStat / nLeft) + (rightStat / nRight);
                double gain = score - parentScore;
                if (gain > 1e-9 * n && (best is null || gain > best.Gain))
                {
                    best = new Split(feature, previous, _bins.Threshold(feature, previous, b), gain);
                }
            }

            for (int end = i + count; i < end; i++)
            {
                int y = _sortedClasses[i];
                double l = left[y], r = right[y];
                if (entropy)
                {
                    leftStat += _xlogx[(int)l + 1] - _xlogx[(int)l];
                    rightStat += _xlogx[(int)r - 1] - _xlogx[(int)r];
                }
                else
                {
                    leftStat += (2 * l) + 1;
                    rightStat -= (2 * r) - 1;
                }

                left[y] = l + 1;
                right[y] = r - 1;
            }

            nLeft += count;
            previous = b;
        }

        return best;
    }

    /// <summary>Best split of one feature for MSE regression: maximizes (Σy_left)²/n_left + (Σy_right)²/n_right.</summary>
    private Split? ScanRegression(int feature, int n, int minBin, int maxBin, double total, double parentScore)
    {
        Split? best = null;
        double sumLeft = 0;
        int nLeft = 0;
        int previous = -1;
        int i = 0;
        for (int b = minBin; b <= maxBin; b++)
        {
            int count = _binCounts[b];
            if (count == 0)
            {
                continue;
            }

            if (previous >= 0 && nLeft >= _options.MinSamplesLeaf && n - nLeft >= _options.MinSamplesLeaf)
            {
                double sumRight = total - sumLeft;
                double gain = (sumLeft * sumLeft / nLeft) + (sumRight * sumRight / (n - nLeft)) - parentScore;
                if (gain > 1e-9 * Math.Abs(parentScore) + 1e-12 && (best is null || gain > best.Gain))
                {
                    best = new Split(feature, previous, _bins.Threshold(feature, previous, b), gain);
                }
            }

            for (int end = i + count; i < end; i++)
            {
                sumLeft += _sortedTargets[i];
            }

            nLeft += count;
            previous = b;
        }

        return best;
    }

    private double Score(double[] stats, int n)
    {
        double score = 0;
        foreach (double v in stats)
        {
            score += _options.Criterion == SplitCriterion.Entropy ? _xlogx[(int)v] : v * v;
        }

        return _options.Criterion == SplitCriterion.Entropy ? score - _xlogx[n] : score / n;
    }

    private static int Partition(int[] samples, int lo, int hi, byte[] codes, int bin)
    {
        int i = lo, j = hi - 1;
        while (i <= j)
        {
            if (codes[samples[i]] <= bin)
            {
                i++;
            }
            else
            {
                (samples[i], samples[j]) = (samples[j], samples[i]);
                j--;
            }
        }

        return i;
    }

    private TreeNode MakeLeaf(ReadOnlySpan<int> samples)
    {
        if (_regression)
        {
            double sum = 0;
            foreach (int s in samples)
            {
                sum += _data.Targets![s];
            }

            return TreeNode.LeafOf(new LeafWeight(0, (float)(sum / samples.Length) * _leafScale));
        }

        var counts = new int[_classes];
        foreach (int s in samples)
        {
            counts[_data.Classes![s]]++;
        }

        int n = samples.Length;
        return TreeNode.LeafOf([.. counts.Select((k, j) => new LeafWeight(j, (float)k / n * _leafScale))]);
    }
}
