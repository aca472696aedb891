namespace EdgePrune.Simulation.Signals;

/// <summary>A signal given by a function of time, e.g. a constant for a range test or a sine for a filter test.</summary>
public sealed class FunctionSignal(int channelCount, Action<TimeSpan, Span<double>> function) : ISignalSource
{
    public int ChannelCount { get; } = channelCount;

    public static FunctionSignal Constant(params double[] values) =>
        new(values.Length, (_, destination) => values.CopyTo(destination));

    public void Sample(TimeSpan time, Span<double> destination) => function(time, destination);
}
