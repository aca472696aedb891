using EdgePrune.Core.Ir;
using Xunit;

namespace EdgePrune.TestSupport;

/// <summary>Assertions that compare EdgePrune's tensors with an oracle's, stating their tolerance.</summary>
public static class Agreement
{
    /// <summary>Same shape and type, and every element within atol + rtol·|expected|; integer types must match exactly.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, float atol = 1e-5f, float rtol = 1e-4f, string what = "output")
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape), $"{what}: shape {Tensor.FormatShape(actual.Shape)} differs from expected {Tensor.FormatShape(expected.Shape)}");
        Assert.True(expected.DataType == actual.DataType, $"{what}: type {actual.DataType} differs from expected {expected.DataType}");
        if (!expected.DataType.IsFloatingPoint())
        {
            var e = expected.ToInt64Array();
            var a = actual.ToInt64Array();
            for (int i = 0; i < e.Length; i++)
            {
                Assert.True(e[i] == a[i], $"{what}[{i}]: {a[i]} != expected {e[i]}");
            }

            return;
        }

        var ef = expected.ToFloatArray();
        var af = actual.ToFloatArray();
        for (int i = 0; i < ef.Length; i++)
        {
            bool bothNaN = float.IsNaN(ef[i]) && float.IsNaN(af[i]);
            bool sameInfinity = float.IsInfinity(ef[i]) && ef[i] == af[i];
            float diff = MathF.Abs(ef[i] - af[i]);
            Assert.True(bothNaN || sameInfinity || diff <= atol + rtol * MathF.Abs(ef[i]),
                $"{what}[{i}]: {af[i]:R} vs expected {ef[i]:R} (|diff| {diff:G3} > atol {atol} + rtol {rtol}·|expected|)");
        }
    }

    /// <summary>Largest |a−b| over all elements.</summary>
    public static float MaxAbsDiff(Tensor a, Tensor b)
    {
        var x = a.ToFloatArray();
        var y = b.ToFloatArray();
        float max = 0;
        for (int i = 0; i < x.Length; i++)
        {
            max = MathF.Max(max, MathF.Abs(x[i] - y[i]));
        }

        return max;
    }
}
