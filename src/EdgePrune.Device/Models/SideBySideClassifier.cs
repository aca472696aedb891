using System.Diagnostics;
using EdgePrune.Device.Service;
using EdgePrune.Sensors.Inference;

namespace EdgePrune.Device.Models;

/// <summary>
/// <c>--engine onnxruntime</c>: ONNX Runtime on the model's ONNX file decides, and the <c>.epb</c> runtime runs the
/// same window beside it, so the status line can report both latencies and how often their top classes agree.
/// </summary>
public sealed class SideBySideClassifier : IWindowClassifier, IDisposable
{
    private readonly OnnxWindowClassifier _onnx;
    private readonly IWindowClassifier _epb;
    private readonly float[] _epbScores;
    private long _windows;
    private long _agreements;

    public SideBySideClassifier(OnnxWindowClassifier onnx, IWindowClassifier epb, string source)
    {
        if (!onnx.Classes.SequenceEqual(epb.Classes) || onnx.WindowLength != epb.WindowLength || onnx.ChannelCount != epb.ChannelCount)
        {
            throw new DeviceConfigException($"{source}: the ONNX model ([{string.Join(", ", onnx.Classes)}], {onnx.WindowLength}×{onnx.ChannelCount}) is not the .epb's ([{string.Join(", ", epb.Classes)}], {epb.WindowLength}×{epb.ChannelCount}); pass the ONNX file the .epb was exported from");
        }

        _onnx = onnx;
        _epb = epb;
        _epbScores = new float[epb.Classes.Count];
    }

    public IReadOnlyList<string> Classes => _onnx.Classes;

    public int WindowLength => _onnx.WindowLength;

    public int ChannelCount => _onnx.ChannelCount;

    /// <summary>Latency of the .epb runtime on the same windows (the pipeline's own recorder times ONNX Runtime plus this).</summary>
    public LatencyRecorder EpbLatency { get; } = new();

    public LatencyRecorder OnnxLatency { get; } = new();

    /// <summary>Fraction of windows where both engines chose the same class (null before the first window).</summary>
    public double? Agreement
    {
        get
        {
            long windows = Interlocked.Read(ref _windows);
            return windows == 0 ? null : (double)Interlocked.Read(ref _agreements) / windows;
        }
    }

    public void Classify(ReadOnlySpan<float> window, Span<float> scores)
    {
        long start = Stopwatch.GetTimestamp();
        _onnx.Classify(window, scores);
        long middle = Stopwatch.GetTimestamp();
        _epb.Classify(window, _epbScores);
        long end = Stopwatch.GetTimestamp();
        OnnxLatency.Record(start, middle);
        EpbLatency.Record(middle, end);
        Interlocked.Increment(ref _windows);
        if (ArgMax(scores) == ArgMax(_epbScores))
        {
            Interlocked.Increment(ref _agreements);
        }
    }

    public void Dispose() => _onnx.Dispose();

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }

        return best;
    }
}
