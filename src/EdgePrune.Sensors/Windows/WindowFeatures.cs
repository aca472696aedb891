namespace EdgePrune.Sensors.Windows;

/// <summary>
/// A handful of summary statistics per channel of a window, the input of a decision tree or forest over sensor data
/// (docs/trees.md, "Trees on sensor windows"). Per channel, in this order: mean, standard deviation (population), min,
/// max, and mean absolute difference between consecutive frames (how fast the signal moves: separates a shake from a
/// slow tilt of the same amplitude). Features are channel-major: feature <c>c * PerChannel + k</c> is statistic k of
/// channel c. Five numbers per channel keep the tree's input small enough to compute on the device in one pass.
/// </summary>
public static class WindowFeatures
{
    /// <summary>Statistics per channel.</summary>
    public const int PerChannel = 5;

    public static readonly IReadOnlyList<string> StatisticNames = ["mean", "std", "min", "max", "mean_abs_diff"];

    /// <summary>Feature names for the given channels, e.g. "ax_mean", in feature order.</summary>
    public static IReadOnlyList<string> Names(IReadOnlyList<string> channels) =>
        [.. channels.SelectMany(c => StatisticNames.Select(s => $"{c}_{s}"))];

    /// <summary>
    /// Writes the features of a time-major window (frame t, channel c at <c>t * channels + c</c>, as
    /// <see cref="SensorWindow.Values"/>) into <paramref name="destination"/> (<c>channels * PerChannel</c> floats).
    /// </summary>
    /// <exception cref="ArgumentException">The window is not whole frames of at least two, or the destination has the wrong length.</exception>
    public static void Compute(ReadOnlySpan<float> window, int channels, Span<float> destination)
    {
        if (channels < 1 || window.Length % channels != 0 || window.Length / channels < 2)
        {
            throw new ArgumentException($"A window of {window.Length} values is not at least two whole frames of {channels} channels.", nameof(window));
        }

        if (destination.Length != channels * PerChannel)
        {
            throw new ArgumentException($"The destination holds {destination.Length} features; {channels} channels need {channels * PerChannel}.", nameof(destination));
        }

        int frames = window.Length / channels;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0, squares = 0, moves = 0;
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            for (int t = 0; t < frames; t++)
            {
                float v = window[(t * channels) + c];
                sum += v;
                squares += (double)v * v;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
                if (t > 0)
                {
                    moves += Math.Abs(v - window[((t - 1) * channels) + c]);
                }
            }

            double mean = sum / frames;
            var features = destination.Slice(c * PerChannel, PerChannel);
            features[0] = (float)mean;
            features[1] = (float)Math.Sqrt(Math.Max(0, (squares / frames) - (mean * mean)));
            features[2] = min;
            features[3] = max;
            features[4] = (float)(moves / (frames - 1));
        }
    }
}
