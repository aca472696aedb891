namespace EdgePrune.Core.Trees;

/// <summary>Scores of a batch: <see cref="Scores"/> is row-major [rows, TargetCount]; <see cref="Classes"/> holds the winning class index per row (classifiers only).</summary>
public sealed record TreePrediction(int Rows, int Width, float[] Scores, int[] Classes);

/// <summary>
/// Runs a <see cref="TreeEnsemble"/> the way ONNX Runtime's TreeEnsembleClassifier/Regressor kernels do (single-threaded
/// order: trees in order, a leaf's weights in order, then base values, then the post-transform), so results agree bit for
/// bit before the transform and to float rounding of exp after it.
/// </summary>
public static class TreeEnsembleEvaluator
{
    /// <param name="features">Row-major [rows, FeatureCount].</param>
    public static TreePrediction Predict(TreeEnsemble ensemble, ReadOnlySpan<float> features)
    {
        int f = ensemble.FeatureCount;
        if (features.Length % f != 0)
        {
            throw new EdgePruneException($"{features.Length} feature values do not split into rows of {f} features");
        }

        int rows = features.Length / f;
        int width = ensemble.TargetCount;
        var scores = new float[rows * width];
        var classes = new int[rows];
        var has = new bool[width];
        for (int r = 0; r < rows; r++)
        {
            var row = features.Slice(r * f, f);
            var s = scores.AsSpan(r * width, width);
            Array.Clear(has);
            foreach (var tree in ensemble.Trees)
            {
                foreach (var w in tree.Nodes[tree.LeafIndex(row)].Weights)
                {
                    s[w.Target] += w.Value;
                    has[w.Target] = true;
                }
            }

            classes[r] = Finalize(ensemble, s, has);
        }

        return new TreePrediction(rows, width, scores, classes);
    }

    /// <summary>Adds base values, picks the class and applies the post-transform in place; returns the class index (0 for regressors).</summary>
    internal static int Finalize(TreeEnsemble ensemble, Span<float> scores, Span<bool> has)
    {
        var baseValues = ensemble.BaseValues.AsSpan();
        int best = 0;
        if (ensemble.Kind == TreeEnsembleKind.Regressor)
        {
            // ONNX Runtime leaves a target that no tree voted for at 0: no average, no base value.
            for (int k = 0; k < scores.Length; k++)
            {
                if (has[k])
                {
                    scores[k] = ensemble.Aggregate == TreeAggregate.Average ? scores[k] / ensemble.Trees.Length : scores[k];
                    scores[k] = baseValues.IsEmpty ? scores[k] : scores[k] + baseValues[k];
                }
            }
        }
        else
        {
            for (int k = 0; k < baseValues.Length; k++)
            {
                scores[k] = has[k] ? scores[k] + baseValues[k] : baseValues[k];
                has[k] = true;
            }

            // ONNX Runtime skips classes that got no vote and keeps the first of equal scores.
            best = -1;
            for (int k = 0; k < scores.Length; k++)
            {
                if (has[k] && (best < 0 || scores[k] > scores[best]))
                {
                    best = k;
                }
            }

            best = Math.Max(best, 0);
        }

        Transform(ensemble.PostTransform, scores);
        return best;
    }

    /// <summary>The post-transforms as ONNX Runtime's ml_common.h computes them (max-shifted softmax; logistic via |x|).</summary>
    public static void Transform(TreePostTransform transform, Span<float> scores)
    {
        switch (transform)
        {
            case TreePostTransform.Softmax:
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
            case TreePostTransform.Logistic:
                for (int k = 0; k < scores.Length; k++)
                {
                    float v = 1f / (1f + MathF.Exp(-Math.Abs(scores[k])));
                    scores[k] = scores[k] < 0 ? 1f - v : v;
                }

                break;
        }
    }
}
