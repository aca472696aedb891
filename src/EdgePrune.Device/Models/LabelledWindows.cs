using EdgePrune.Sensors.Traces;

namespace EdgePrune.Device.Models;

/// <summary>
/// Labelled traces cut into the windows a model is trained and judged on: <see cref="WindowSpec.Length"/> consecutive
/// frames every <c>hop</c> frames, each normalized with the spec's statistics and stored channel-major [C, T] as the
/// model takes them, labelled with the trace's majority label over the window.
/// </summary>
public static class LabelledWindows
{
    /// <returns>Windows as [count, channels, length] floats, row-major, and each window's index into <paramref name="classes"/>.</returns>
    /// <exception cref="ArgumentException">A trace without labels, or a label not in <paramref name="classes"/>.</exception>
    public static (float[] Features, long[] Labels) Cut(IEnumerable<SensorTrace> traces, WindowSpec spec, IReadOnlyList<string> classes, int hop)
    {
        int channels = spec.Channels.Count, length = spec.Length;
        var features = new List<float>();
        var labels = new List<long>();
        var normalization = spec.Normalization();
        var frame = new float[channels];
        var window = new float[channels * length];
        foreach (var trace in traces)
        {
            var traceLabels = trace.Labels ?? throw new ArgumentException("a trace without labels cannot be cut into labelled windows", nameof(traces));
            for (int start = 0; start + length <= trace.Count; start += hop)
            {
                for (int t = 0; t < length; t++)
                {
                    normalization.Apply(trace.Rows[start + t], frame);
                    for (int k = 0; k < channels; k++)
                    {
                        window[k * length + t] = frame[k];
                    }
                }

                features.AddRange(window);
                string majority = traceLabels.Skip(start).Take(length).GroupBy(l => l).OrderByDescending(g => g.Count()).First().Key;
                int index = classes.ToList().IndexOf(majority);
                labels.Add(index >= 0 ? index : throw new ArgumentException($"label '{majority}' is not one of {string.Join(", ", classes)}", nameof(classes)));
            }
        }

        return (features.ToArray(), labels.ToArray());
    }
}
