using EdgePrune.Runtime.Format;

namespace EdgePrune.Runtime.Engine;

/// <summary>
/// Scores one float feature row with the trees section, in ONNX Runtime's order (single-threaded TreeEnsemble kernels):
/// trees in file order, each leaf's votes in file order, then the average (regressors), base values, the label (the
/// first highest score among outputs that got a vote) and the post-transform (max-shifted softmax; logistic via |x|, as
/// ORT's ml_common.h). The references were validated at load, so every walk ends at a leaf of its own tree.
/// </summary>
internal sealed class TreeEnsembleStep : Step
{
    private readonly TreeTables _tables;
    private readonly int[] _firstBranch;
    private readonly int[] _firstLeaf;
    private readonly bool[] _voted;

    public TreeEnsembleStep(NodeRecord node, TensorRecord[] tensors, TreeTables? tables)
        : base(node, tensors)
    {
        Arity(1, 1, 1);
        Require(tables is not null, "the file has no trees section for this node to read");
        _tables = tables!;
        RequireType(In(0), EpbDataType.Float32);
        RequireType(Out, EpbDataType.Float32);
        Require(!In(0).IsConstant, $"{In(0)} must be an activation");
        Require(In(0).Count == _tables.FeatureCount, $"{In(0)} has {In(0).Count} values but the trees read {_tables.FeatureCount} features");
        Require(Out.Count == _tables.OutputCount, $"{Out} has {Out.Count} values but the trees score {_tables.OutputCount} outputs");
        _firstBranch = new int[_tables.TreeCount + 1];
        _firstLeaf = new int[_tables.TreeCount + 1];
        for (int t = 0; t <= _tables.TreeCount; t++)
        {
            (_firstBranch[t], _firstLeaf[t]) = _tables.TreeStart(t);
        }

        _voted = new bool[_tables.OutputCount];
    }

    /// <summary>The class the last <see cref="Execute"/> chose (a regressor: the first highest score).</summary>
    public int LastClass { get; private set; }

    public override void Execute(byte[] arena, int[] scratch)
    {
        var x = In(0).Floats(arena);
        var scores = Out.WritableFloats(arena);
        scores.Clear();
        Array.Clear(_voted);
        var t = _tables;
        for (int tree = 0; tree < t.TreeCount; tree++)
        {
            int firstBranch = _firstBranch[tree];
            uint reference = _firstBranch[tree + 1] == firstBranch ? 1u : 0u;
            while ((reference & 1) == 0)
            {
                int branch = firstBranch + (int)(reference >> 1);
                var (mode, missingTrue) = t.Mode(branch);
                float value = x[t.Feature(branch)];
                float threshold = t.Threshold(branch);
                bool holds = mode switch
                {
                    0 => value <= threshold,
                    1 => value < threshold,
                    2 => value >= threshold,
                    3 => value > threshold,
                    4 => value == threshold,
                    _ => value != threshold,
                };
                reference = t.Child(branch, holds || (missingTrue && float.IsNaN(value)));
            }

            var (start, end) = t.VoteRange(_firstLeaf[tree] + (int)(reference >> 1));
            for (int v = start; v < end; v++)
            {
                int target = t.VoteTarget(v);
                scores[target] += t.VoteValue(v);
                _voted[target] = true;
            }
        }

        LastClass = Finish(scores);
        Transform(scores);
    }

    private int Finish(Span<float> scores)
    {
        var t = _tables;
        if (t.Kind == TreeModelKind.Regressor)
        {
            // ONNX Runtime leaves a target that no tree voted for at 0: no average, no base value (measured, see TreeEnsembleTests).
            for (int k = 0; k < scores.Length; k++)
            {
                if (_voted[k])
                {
                    scores[k] = t.Aggregate == TreeScoreAggregate.Average ? scores[k] / t.TreeCount : scores[k];
                    scores[k] = t.HasBaseValues ? scores[k] + t.BaseValue(k) : scores[k];
                }
            }

            _voted.AsSpan().Fill(true);
        }

        for (int k = 0; t.Kind == TreeModelKind.Classifier && t.HasBaseValues && k < scores.Length; k++)
        {
            scores[k] = _voted[k] ? scores[k] + t.BaseValue(k) : t.BaseValue(k);
            _voted[k] = true;
        }

        int best = -1;
        for (int k = 0; k < scores.Length; k++)
        {
            if (_voted[k] && (best < 0 || scores[k] > scores[best]))
            {
                best = k;
            }
        }

        return Math.Max(best, 0);
    }

    private void Transform(Span<float> scores)
    {
        switch (_tables.Transform)
        {
            case TreeScoreTransform.Softmax:
                float max = float.MinValue;
                foreach (float v in scores)
                {
                    max = Math.Max(max, v);
                }

                float sum = 0;
                for (int k = 0; k < scores.Length; k++)
                {
                    scores[k] = MathF.Exp(scores[k] - max);
                    sum += scores[k];
                }

                for (int k = 0; k < scores.Length; k++)
                {
                    scores[k] /= sum;
                }

                break;
            case TreeScoreTransform.Logistic:
                for (int k = 0; k < scores.Length; k++)
                {
                    float v = 1f / (1f + MathF.Exp(-Math.Abs(scores[k])));
                    scores[k] = scores[k] < 0 ? 1f - v : v;
                }

                break;
        }
    }
}
