using EdgePrune.Training.Losses;

namespace EdgePrune.Training.Tests.Losses;

/// <summary>
/// Each loss's analytic gradient against central finite differences of the loss formula written out here in float64
/// (h = 1e-6, so the difference is exact to ≈ 1e-9), on random batches, class counts and temperatures. The
/// gradients are float32, computed from double sums, so the tolerance is fp32 rounding: 1e-6 + 1e-5·|fd|.
/// </summary>
public class LossGradientCheckTests
{
    private const double Step = 1e-6;

    public static TheoryData<int> Seeds => new(1, 2, 3, 4, 5);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void CrossEntropy_gradient_matches_float64_central_differences(int seed)
    {
        var random = new Random(seed);
        var (batch, classes, logits) = Logits(random);
        int[] labels = Enumerable.Range(0, batch).Select(_ => random.Next(classes)).ToArray();
        var gradient = new float[logits.Length];
        float loss = CrossEntropyLoss.Compute(logits, classes, labels, gradient);

        double Formula(double[] z) => Enumerable.Range(0, batch).Sum(b => -LogSoftmax(z.AsSpan(b * classes, classes), 1)[labels[b]]) / batch;
        Check(Formula, logits, loss, gradient);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Mse_gradient_matches_float64_central_differences(int seed)
    {
        var random = new Random(seed);
        var (_, _, prediction) = Logits(random);
        var target = prediction.Select(_ => random.NextSingle() * 4 - 2).ToArray();
        var gradient = new float[prediction.Length];
        float loss = MseLoss.Compute(prediction, target, gradient);

        double Formula(double[] p) => p.Select((v, i) => (v - target[i]) * (v - target[i])).Sum() / p.Length;
        Check(Formula, prediction, loss, gradient);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Kl_with_temperature_gradient_matches_float64_central_differences(int seed)
    {
        var random = new Random(seed);
        var (batch, classes, student) = Logits(random);
        var teacher = student.Select(_ => random.NextSingle() * 6 - 3).ToArray();
        float temperature = 0.5f + random.NextSingle() * 5;
        var gradient = new float[student.Length];
        float loss = KlDivergenceLoss.Compute(student, teacher, classes, temperature, gradient);

        // T²·(1/B)·Σ_b Σ_c p·(log p − log q), p = softmax(teacher/T), q = softmax(student/T).
        double Formula(double[] s)
        {
            double total = 0;
            for (int b = 0; b < batch; b++)
            {
                var logP = LogSoftmax(Array.ConvertAll(teacher[(b * classes)..((b + 1) * classes)], v => (double)v), temperature);
                var logQ = LogSoftmax(s.AsSpan(b * classes, classes), temperature);
                total += logP.Select((lp, c) => Math.Exp(lp) * (lp - logQ[c])).Sum();
            }

            return (double)temperature * temperature * total / batch;
        }

        Check(Formula, student, loss, gradient);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Distillation_gradient_matches_float64_central_differences(int seed)
    {
        var random = new Random(seed);
        var (batch, classes, student) = Logits(random);
        var teacher = student.Select(_ => random.NextSingle() * 6 - 3).ToArray();
        int[] labels = Enumerable.Range(0, batch).Select(_ => random.Next(classes)).ToArray();
        float alpha = random.NextSingle(), temperature = 1 + random.NextSingle() * 4;
        var gradient = new float[student.Length];
        float loss = new DistillationLoss(alpha, temperature).Compute(student, teacher, classes, labels, gradient);

        double Formula(double[] s)
        {
            double ce = 0, kl = 0;
            for (int b = 0; b < batch; b++)
            {
                ce -= LogSoftmax(s.AsSpan(b * classes, classes), 1)[labels[b]];
                var logP = LogSoftmax(Array.ConvertAll(teacher[(b * classes)..((b + 1) * classes)], v => (double)v), temperature);
                var logQ = LogSoftmax(s.AsSpan(b * classes, classes), temperature);
                kl += logP.Select((lp, c) => Math.Exp(lp) * (lp - logQ[c])).Sum();
            }

            return alpha * ce / batch + (1 - alpha) * (double)temperature * temperature * kl / batch;
        }

        Check(Formula, student, loss, gradient);
    }

    private static (int Batch, int Classes, float[] Values) Logits(Random random)
    {
        int batch = random.Next(1, 6), classes = random.Next(2, 12);
        return (batch, classes, Enumerable.Range(0, batch * classes).Select(_ => random.NextSingle() * 8 - 4).ToArray());
    }

    private static double[] LogSoftmax(ReadOnlySpan<double> z, double temperature)
    {
        var scaled = z.ToArray().Select(v => v / temperature).ToArray();
        double log = Math.Log(scaled.Sum(Math.Exp));
        return scaled.Select(v => v - log).ToArray();
    }

    /// <summary>The loss value against the formula, and every gradient element against the formula's central difference.</summary>
    private static void Check(Func<double[], double> formula, float[] at, float loss, float[] gradient)
    {
        var point = Array.ConvertAll(at, v => (double)v);
        double expected = formula(point);
        Assert.True(Math.Abs(loss - expected) <= 1e-6 + 1e-6 * Math.Abs(expected), $"loss {loss:G9}, float64 formula {expected:G9}");
        for (int i = 0; i < point.Length; i++)
        {
            var plus = (double[])point.Clone();
            var minus = (double[])point.Clone();
            plus[i] += Step;
            minus[i] -= Step;
            double numeric = (formula(plus) - formula(minus)) / (2 * Step);
            Assert.True(Math.Abs(gradient[i] - numeric) <= 1e-6 + 1e-5 * Math.Abs(numeric), $"∂L/∂z[{i}]: analytic {gradient[i]:G9}, central difference (float64) {numeric:G9}");
        }
    }
}
