using EdgePrune.Training.Losses;

namespace EdgePrune.Training.Tests.Losses;

/// <summary>Losses against values computed by hand (double precision formulas written out in the test).</summary>
public class LossTests
{
    [Fact]
    public void CrossEntropy_matches_hand_computed_value_and_gradient()
    {
        float[] logits = [1f, 2f, 3f, 0.5f, -1f, 0f];
        int[] labels = [2, 0];
        var gradient = new float[6];
        float loss = CrossEntropyLoss.Compute(logits, 3, labels, gradient);
        double z1 = Math.Exp(1) + Math.Exp(2) + Math.Exp(3), z2 = Math.Exp(0.5) + Math.Exp(-1) + Math.Exp(0);
        double expected = (-(3 - Math.Log(z1)) - (0.5 - Math.Log(z2))) / 2;
        Assert.Equal(expected, loss, 5);
        Assert.Equal((Math.Exp(3) / z1 - 1) / 2, gradient[2], 5);
        Assert.Equal(Math.Exp(-1) / z2 / 2, gradient[4], 5);
    }

    [Fact]
    public void Mse_matches_hand_computed_value_and_gradient()
    {
        var gradient = new float[3];
        float loss = MseLoss.Compute([1f, 2f, 4f], [0f, 2f, 1f], gradient);
        Assert.Equal((1 + 0 + 9) / 3.0, loss, 5);
        Assert.Equal([2f / 3, 0f, 2f], gradient);
    }

    [Fact]
    public void Kl_with_temperature_matches_hand_computed_value()
    {
        float[] student = [0.2f, -0.3f, 1.1f], teacher = [1f, 0f, 0.5f];
        const float T = 2f;
        float loss = KlDivergenceLoss.Compute(student, teacher, 3, T, new float[3]);
        double[] p = Softmax(teacher.Select(v => v / (double)T).ToArray()), q = Softmax(student.Select(v => v / (double)T).ToArray());
        double kl = Enumerable.Range(0, 3).Sum(i => p[i] * Math.Log(p[i] / q[i]));
        Assert.Equal(T * T * kl, loss, 5);
    }

    [Fact]
    public void Distillation_with_alpha_zero_needs_no_labels_and_is_pure_kl()
    {
        float[] student = [0.2f, -0.3f, 1.1f], teacher = [1f, 0f, 0.5f];
        float loss = new DistillationLoss(0f, 3f).Compute(student, teacher, 3, [], new float[3]);
        Assert.Equal(KlDivergenceLoss.Compute(student, teacher, 3, 3f, []), loss, 6);
    }

    [Fact]
    public void Label_outside_the_classes_is_a_clear_error()
    {
        var error = Assert.Throws<Core.EdgePruneException>(() => CrossEntropyLoss.Compute([0f, 1f], 2, [5], []));
        Assert.Contains("label 5", error.Message, StringComparison.Ordinal);
    }

    private static double[] Softmax(double[] z)
    {
        double max = z.Max();
        var e = z.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }
}
