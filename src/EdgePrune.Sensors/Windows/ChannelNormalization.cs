namespace EdgePrune.Sensors.Windows;

/// <summary>
/// Per-channel standardization, <c>x' = (x - mean[c]) / std[c]</c>, with the mean and standard deviation the model
/// was trained with (taken from its metadata, never estimated from live data).
/// </summary>
public sealed class ChannelNormalization
{
    private readonly float[] _mean;
    private readonly float[] _inverseStd;

    public ChannelNormalization(IReadOnlyList<float> mean, IReadOnlyList<float> standardDeviation)
    {
        if (mean.Count != standardDeviation.Count)
        {
            throw new ArgumentException($"Normalization has {mean.Count} means but {standardDeviation.Count} standard deviations; give one of each per channel.");
        }

        for (int c = 0; c < standardDeviation.Count; c++)
        {
            if (!(standardDeviation[c] > 0) || float.IsInfinity(standardDeviation[c]) || !float.IsFinite(mean[c]))
            {
                throw new ArgumentException($"Normalization channel {c}: mean {mean[c]} and standard deviation {standardDeviation[c]}; the deviation must be a positive finite number.");
            }
        }

        _mean = [.. mean];
        _inverseStd = standardDeviation.Select(s => 1f / s).ToArray();
    }

    public int ChannelCount => _mean.Length;

    public static ChannelNormalization Identity(int channels) => new(new float[channels], Enumerable.Repeat(1f, channels).ToArray());

    /// <summary>destination[i] = (frame[i] - mean[i]) / std[i] for one frame of <see cref="ChannelCount"/> values.</summary>
    public void Apply(ReadOnlySpan<float> frame, Span<float> destination)
    {
        for (int c = 0; c < _mean.Length; c++)
        {
            destination[c] = (frame[c] - _mean[c]) * _inverseStd[c];
        }
    }
}
