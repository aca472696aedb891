using EdgePrune.Sensors.Actions;
using EdgePrune.Sensors.Sampling;
using EdgePrune.Sensors.Windows;

namespace EdgePrune.Sensors.Inference;

/// <summary>Counters of one pipeline run.</summary>
public sealed record PipelineSummary(long Windows, long Events, long Gaps);

/// <summary>
/// Sampler → windows → classifier → smoother → sinks. Every window yields one <see cref="WindowRecord"/>, every gap
/// one <see cref="GapRecord"/> (and ends an active gesture), every smoothed change one <see cref="GestureRecord"/>:
/// nothing the sampler produced disappears without a line.
/// </summary>
public sealed class SensingPipeline(SlidingWindower windower, IWindowClassifier classifier, PredictionSmoother smoother, IOutputSink sink)
{
    public async Task<PipelineSummary> RunAsync(IAsyncEnumerable<SamplerRecord> records, CancellationToken cancellationToken = default)
    {
        if (classifier.WindowLength != windower.Length)
        {
            throw new InvalidOperationException($"The model takes windows of {classifier.WindowLength} samples, the windower cuts {windower.Length}.");
        }

        var scores = new float[classifier.Classes.Count];
        long windows = 0, events = 0, gaps = 0;
        long lastWindow = -1;
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            switch (record)
            {
                case SampleGap gap:
                    gaps++;
                    windower.Reset();
                    sink.Write(new GapRecord(gap.Time.TotalSeconds, gap.Slot, gap.MissedSamples, gap.Reason, gap.Detail));
                    foreach (var ended in smoother.Reset(lastWindow, gap.Time))
                    {
                        events++;
                        sink.Write(ToRecord(ended));
                    }

                    break;
                case SampleFrame frame when windower.Push(frame) is { } window:
                    windows++;
                    lastWindow = window.Index;
                    classifier.Classify(window.Values, scores);
                    int best = 0;
                    for (int c = 1; c < scores.Length; c++)
                    {
                        best = scores[c] > scores[best] ? c : best;
                    }

                    sink.Write(new WindowRecord(window.EndTime.TotalSeconds, window.Index, classifier.Classes[best], scores[best], window.Label));
                    foreach (var change in smoother.Add(window.Index, window.EndTime, scores))
                    {
                        events++;
                        sink.Write(ToRecord(change));
                    }

                    break;
            }
        }

        return new PipelineSummary(windows, events, gaps);
    }

    private static GestureRecord ToRecord(GestureEvent change) =>
        new(change.Time.TotalSeconds, change.Window, change.Gesture, change.Phase, change.Confidence);
}
