using EdgePrune.Sensors.Sampling;

namespace EdgePrune.Sensors.Windows;

/// <summary>
/// A window of consecutive normalized frames, time-major: value of channel c at step t is at <c>t * Channels + c</c>.
/// <see cref="FirstSlot"/>/<see cref="LastSlot"/> are sampler slots, <see cref="EndTime"/> the read time of the last frame.
/// </summary>
public sealed record SensorWindow(long Index, long FirstSlot, long LastSlot, TimeSpan EndTime, int Length, int Channels, float[] Values, string? Label);

/// <summary>
/// Cuts the sample stream into windows of <c>length</c> frames every <c>hop</c> frames. A window never spans a
/// gap: a <see cref="SampleGap"/> empties the buffer, so the next window starts after the gap.
/// </summary>
public sealed class SlidingWindower
{
    private readonly int _length;
    private readonly int _hop;
    private readonly int _channels;
    private readonly ChannelNormalization _normalization;
    private readonly float[] _ring;
    private readonly long[] _slots;
    private readonly string?[] _labels;
    private int _count;
    private int _sinceLastWindow;
    private long _windowIndex;
    private bool _fillingAfterReset = true;

    public SlidingWindower(int length, int hop, ChannelNormalization normalization)
    {
        if (length < 1 || hop < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"Window length ({length}) and hop ({hop}) must both be at least one sample.");
        }

        _length = length;
        _hop = hop;
        _channels = normalization.ChannelCount;
        _normalization = normalization;
        _ring = new float[length * _channels];
        _slots = new long[length];
        _labels = new string?[length];
    }

    public int Length => _length;

    public int Hop => _hop;

    public long WindowsEmitted => _windowIndex;

    /// <summary>Forgets the buffered frames (after a gap: a window must not join samples from both sides).</summary>
    public void Reset()
    {
        _count = 0;
        _sinceLastWindow = 0;
        _fillingAfterReset = true;
    }

    /// <summary>Adds one frame; returns a window when <c>length</c> frames are buffered and <c>hop</c> new frames arrived since the last one.</summary>
    public SensorWindow? Push(SampleFrame frame)
    {
        if (frame.Values.Length != _channels)
        {
            throw new ArgumentException($"Frame at slot {frame.Slot} has {frame.Values.Length} channels, the window expects {_channels}.", nameof(frame));
        }

        int position = (int)(frame.Slot % _length);
        if (_count > 0 && frame.Slot != _slots[(int)((frame.Slot - 1 + _length) % _length)] + 1)
        {
            Reset();
        }

        _normalization.Apply(frame.Values, _ring.AsSpan(position * _channels, _channels));
        _slots[position] = frame.Slot;
        _labels[position] = frame.Label;
        _count = Math.Min(_count + 1, _length);
        _sinceLastWindow++;
        if (_count < _length || (!_fillingAfterReset && _sinceLastWindow < _hop))
        {
            return null;
        }

        _fillingAfterReset = false;
        _sinceLastWindow = 0;
        var values = new float[_length * _channels];
        long firstSlot = frame.Slot - _length + 1;
        for (int t = 0; t < _length; t++)
        {
            int source = (int)((firstSlot + t) % _length);
            Array.Copy(_ring, source * _channels, values, t * _channels, _channels);
        }

        return new SensorWindow(_windowIndex++, firstSlot, frame.Slot, frame.Time, _length, _channels, values, MajorityLabel());
    }

    private string? MajorityLabel()
    {
        string? best = null;
        int bestCount = 0;
        foreach (var group in _labels.Where(l => l is not null).GroupBy(l => l))
        {
            if (group.Count() > bestCount)
            {
                best = group.Key;
                bestCount = group.Count();
            }
        }

        return best;
    }
}
