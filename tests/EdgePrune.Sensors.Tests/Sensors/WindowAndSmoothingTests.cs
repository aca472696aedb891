using EdgePrune.Sensors.Inference;
using EdgePrune.Sensors.Sampling;
using EdgePrune.Sensors.Windows;

namespace EdgePrune.Sensors.Tests.Sensors;

public class WindowAndSmoothingTests
{
    private static SampleFrame Frame(long slot, params float[] values) => new(slot, TimeSpan.FromMilliseconds(10 * slot), values, null);

    [Fact]
    public void Windows_of_4_with_hop_2_over_10_frames_start_at_slots_0_2_4_6_and_hold_normalized_values()
    {
        var windower = new SlidingWindower(4, 2, new ChannelNormalization([1f, 10f], [2f, 5f]));
        var windows = Enumerable.Range(0, 10).Select(i => windower.Push(Frame(i, i, 10 + i))).OfType<SensorWindow>().ToList();

        Assert.Equal([0L, 2, 4, 6], windows.Select(w => w.FirstSlot));
        // Hand computed: slot 4..7, channel 0 → (x - 1) / 2, channel 1 → (10 + x - 10) / 5.
        Assert.Equal([1.5f, 0.8f, 2f, 1f, 2.5f, 1.2f, 3f, 1.4f], windows[2].Values);
    }

    [Fact]
    public void A_gap_restarts_the_window_so_no_window_spans_it()
    {
        var windower = new SlidingWindower(3, 1, ChannelNormalization.Identity(1));
        var frames = new long[] { 0, 1, 2, 3, 7, 8, 9, 10 };
        var windows = frames.Select(slot => windower.Push(Frame(slot, slot))).OfType<SensorWindow>().ToList();
        Assert.Equal([0L, 1, 7, 8], windows.Select(w => w.FirstSlot));
        Assert.All(windows, w => Assert.Equal(w.FirstSlot + 2, w.LastSlot));
    }

    [Fact]
    public void Normalization_rejects_a_zero_deviation_with_the_channel_named()
    {
        var error = Assert.Throws<ArgumentException>(() => new ChannelNormalization([0f, 0f], [1f, 0f]));
        Assert.Contains("channel 1", error.Message);
    }

    private static readonly string[] Classes = ["idle", "shake", "tap"];

    [Fact]
    public void Majority_of_three_needs_two_votes_and_ends_when_the_votes_go()
    {
        var smoother = new PredictionSmoother(Classes, new SmoothingOptions(SmoothingKind.Majority, 0.6f, "idle"));
        float[][] windows = [[0.9f, 0.1f, 0], [0.1f, 0.9f, 0], [0.2f, 0.8f, 0], [0.1f, 0.9f, 0], [0.9f, 0.1f, 0], [0.9f, 0.1f, 0]];
        var events = windows.SelectMany((scores, i) => smoother.Add(i, TimeSpan.FromSeconds(i), scores).Select(e => (i, e))).ToList();
        // Votes: idle | idle,shake (1/3) | shake 2/3 → start at window 2 | 3/3 | 2/3 | idle 2/3 → end at window 5.
        Assert.Equal([(2, "shake", GesturePhase.Start), (5, "shake", GesturePhase.End)], events.Select(x => (x.i, x.e.Gesture, x.e.Phase)));
    }

    [Fact]
    public void Exponential_smoothing_with_alpha_half_crosses_the_threshold_on_the_hand_computed_window()
    {
        var smoother = new PredictionSmoother(Classes, new SmoothingOptions(SmoothingKind.Exponential, 0.7f, "idle") { ExponentialAlpha = 0.5f });
        // tap probability: 0, then 1 each window → smoothed 0, 0.5, 0.75 (≥ 0.7 at window 2).
        Assert.Empty(smoother.Add(0, TimeSpan.Zero, [1f, 0f, 0f]));
        Assert.Empty(smoother.Add(1, TimeSpan.Zero, [0f, 0f, 1f]));
        var started = Assert.Single(smoother.Add(2, TimeSpan.Zero, [0f, 0f, 1f]));
        Assert.Equal(("tap", GesturePhase.Start, 0.75f), (started.Gesture, started.Phase, started.Confidence));
        var ended = Assert.Single(smoother.Reset(3, TimeSpan.Zero));
        Assert.Equal(GesturePhase.End, ended.Phase);
    }

    [Fact]
    public void Below_the_threshold_nothing_fires()
    {
        var smoother = new PredictionSmoother(Classes, new SmoothingOptions(SmoothingKind.None, 0.95f, "idle"));
        Assert.Empty(smoother.Add(0, TimeSpan.Zero, [0.05f, 0.94f, 0.01f]));
        Assert.Single(smoother.Add(1, TimeSpan.Zero, [0.01f, 0.96f, 0.03f]));
    }
}
