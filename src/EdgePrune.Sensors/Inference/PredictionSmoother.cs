namespace EdgePrune.Sensors.Inference;

public enum SmoothingKind
{
    /// <summary>Each window's own prediction.</summary>
    None,

    /// <summary>The class most of the last N windows voted for; confidence = its share of the votes.</summary>
    Majority,

    /// <summary>Exponential moving average of the class probabilities; confidence = the smoothed probability of the winner.</summary>
    Exponential,
}

/// <summary>How predictions become events. <see cref="BackgroundClass"/> (e.g. "idle") never raises an event.</summary>
public sealed record SmoothingOptions(SmoothingKind Kind, float ConfidenceThreshold, string BackgroundClass)
{
    /// <summary>Votes kept for <see cref="SmoothingKind.Majority"/>.</summary>
    public int MajorityWindows { get; init; } = 3;

    /// <summary>Weight of the newest window for <see cref="SmoothingKind.Exponential"/> (0..1].</summary>
    public float ExponentialAlpha { get; init; } = 0.5f;
}

public enum GesturePhase
{
    Start,
    End,
}

/// <summary>A gesture began or ended at the end time of window <paramref name="Window"/>.</summary>
public sealed record GestureEvent(TimeSpan Time, long Window, string Gesture, GesturePhase Phase, float Confidence);

/// <summary>
/// Turns per-window class probabilities into gesture events: a gesture starts when the smoothed winner is a
/// foreground class with confidence at or above the threshold, and ends when the winner changes or drops below it.
/// </summary>
public sealed class PredictionSmoother
{
    private readonly IReadOnlyList<string> _classes;
    private readonly SmoothingOptions _options;
    private readonly int _background;
    private readonly Queue<int> _votes = new();
    private readonly float[] _average;
    private bool _hasAverage;
    private int _active = -1;

    public PredictionSmoother(IReadOnlyList<string> classes, SmoothingOptions options)
    {
        _background = classes.ToList().IndexOf(options.BackgroundClass);
        if (_background < 0)
        {
            throw new ArgumentException($"Background class '{options.BackgroundClass}' is not one of the model's classes ({string.Join(", ", classes)}).", nameof(options));
        }

        if (options.ConfidenceThreshold is < 0 or > 1 || options.MajorityWindows < 1 || options.ExponentialAlpha is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options, "Confidence threshold must be in [0, 1], majority windows at least 1, exponential alpha in (0, 1].");
        }

        _classes = classes;
        _options = options;
        _average = new float[classes.Count];
    }

    public string? ActiveGesture => _active >= 0 ? _classes[_active] : null;

    /// <summary>Feeds one window's probabilities; returns the events it causes (none, an end, a start, or both).</summary>
    public IReadOnlyList<GestureEvent> Add(long window, TimeSpan time, ReadOnlySpan<float> scores)
    {
        if (scores.Length != _classes.Count)
        {
            throw new ArgumentException($"Got {scores.Length} scores for {_classes.Count} classes.", nameof(scores));
        }

        var (winner, confidence) = Smooth(scores);
        int candidate = winner != _background && confidence >= _options.ConfidenceThreshold ? winner : -1;
        if (candidate == _active)
        {
            return [];
        }

        var events = new List<GestureEvent>(2);
        if (_active >= 0)
        {
            events.Add(new GestureEvent(time, window, _classes[_active], GesturePhase.End, confidence));
        }

        if (candidate >= 0)
        {
            events.Add(new GestureEvent(time, window, _classes[candidate], GesturePhase.Start, confidence));
        }

        _active = candidate;
        return events;
    }

    /// <summary>Forgets the history (after a gap in the samples); ends the active gesture, if any.</summary>
    public IReadOnlyList<GestureEvent> Reset(long window, TimeSpan time)
    {
        _votes.Clear();
        _hasAverage = false;
        if (_active < 0)
        {
            return [];
        }

        var ended = new GestureEvent(time, window, _classes[_active], GesturePhase.End, 0f);
        _active = -1;
        return [ended];
    }

    private (int Winner, float Confidence) Smooth(ReadOnlySpan<float> scores)
    {
        switch (_options.Kind)
        {
            case SmoothingKind.Majority:
                _votes.Enqueue(ArgMax(scores));
                while (_votes.Count > _options.MajorityWindows)
                {
                    _votes.Dequeue();
                }

                var tally = new int[_classes.Count];
                foreach (int vote in _votes)
                {
                    tally[vote]++;
                }

                // Ties go to the newest window's vote, so a fresh gesture is not held back by an old one.
                int newest = _votes.Last();
                int best = newest;
                for (int c = 0; c < tally.Length; c++)
                {
                    if (tally[c] > tally[best])
                    {
                        best = c;
                    }
                }

                return (best, tally[best] / (float)_options.MajorityWindows);
            case SmoothingKind.Exponential:
                float alpha = _hasAverage ? _options.ExponentialAlpha : 1f;
                for (int c = 0; c < _average.Length; c++)
                {
                    _average[c] = alpha * scores[c] + (1 - alpha) * _average[c];
                }

                _hasAverage = true;
                int winner = ArgMax(_average);
                return (winner, _average[winner]);
            default:
                int top = ArgMax(scores);
                return (top, scores[top]);
        }
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
