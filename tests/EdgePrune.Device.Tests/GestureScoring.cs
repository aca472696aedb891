using EdgePrune.Sensors.Actions;
using EdgePrune.Sensors.Inference;
using EdgePrune.Sensors.Traces;

namespace EdgePrune.Device.Tests;

/// <summary>A gesture from its start to its end, in seconds since sampling started.</summary>
internal sealed record GestureSpan(string Gesture, double Start, double End);

/// <summary>
/// Event-level scoring against the generator's ground truth. Truth: each run of one non-idle label in the trace.
/// Predicted: each start/end pair the service emitted. One-to-one matching in time order: a prediction matches a
/// truth gesture of the same class when they overlap, allowing the prediction to end up to <see cref="LagSeconds"/>
/// after the truth (a window ends after the samples it covers, and smoothing waits for votes).
/// </summary>
internal static class GestureScoring
{
    public const double LagSeconds = 1.0;

    public static IReadOnlyList<GestureSpan> Truth(SensorTrace trace)
    {
        var spans = new List<GestureSpan>();
        int start = 0;
        for (int i = 1; i <= trace.Count; i++)
        {
            if (i == trace.Count || trace.Labels![i] != trace.Labels[start])
            {
                if (trace.Labels![start] != "idle")
                {
                    spans.Add(new GestureSpan(trace.Labels[start], trace.Times[start], trace.Times[i - 1]));
                }

                start = i;
            }
        }

        return spans;
    }

    public static IReadOnlyList<GestureSpan> Predicted(IEnumerable<OutputRecord> records, double endOfRun)
    {
        var spans = new List<GestureSpan>();
        GestureRecord? open = null;
        foreach (var gesture in records.OfType<GestureRecord>())
        {
            if (gesture.Phase == GesturePhase.Start)
            {
                open = gesture;
            }
            else if (open is not null && open.Gesture == gesture.Gesture)
            {
                spans.Add(new GestureSpan(open.Gesture, open.TimeS, gesture.TimeS));
                open = null;
            }
        }

        if (open is not null)
        {
            spans.Add(new GestureSpan(open.Gesture, open.TimeS, endOfRun));
        }

        return spans;
    }

    public static (double Precision, double Recall, int Matched) Score(IReadOnlyList<GestureSpan> truth, IReadOnlyList<GestureSpan> predicted)
    {
        var used = new bool[predicted.Count];
        int matched = 0;
        foreach (var t in truth)
        {
            for (int p = 0; p < predicted.Count; p++)
            {
                var candidate = predicted[p];
                if (!used[p] && candidate.Gesture == t.Gesture && candidate.Start <= t.End + LagSeconds && candidate.End >= t.Start)
                {
                    used[p] = true;
                    matched++;
                    break;
                }
            }
        }

        return (predicted.Count == 0 ? 0 : (double)matched / predicted.Count, truth.Count == 0 ? 0 : (double)matched / truth.Count, matched);
    }
}
