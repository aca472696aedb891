namespace EdgePrune.Simulation.Signals;

/// <summary>A signal a test sets by hand between reads (thread-safe); holds its value until set again.</summary>
public sealed class SettableSignal : ISignalSource
{
    private readonly object _gate = new();
    private double[] _values;

    public SettableSignal(params double[] initial)
    {
        _values = (double[])initial.Clone();
    }

    public int ChannelCount => _values.Length;

    public void Set(params double[] values)
    {
        if (values.Length != _values.Length)
        {
            throw new ArgumentException($"Expected {_values.Length} channel values, got {values.Length}.", nameof(values));
        }

        lock (_gate) { _values = (double[])values.Clone(); }
    }

    public void Sample(TimeSpan time, Span<double> destination)
    {
        lock (_gate) { _values.CopyTo(destination); }
    }
}
