namespace EdgePrune.Simulation.Signals;

/// <summary>
/// The physical quantity an emulated chip measures, as a function of the chip's own time. Channel order and
/// units are fixed by each chip (see its constructor); values are doubles in physical units (g, °/s, µT, °C, hPa, %RH, V).
/// </summary>
public interface ISignalSource
{
    int ChannelCount { get; }

    void Sample(TimeSpan time, Span<double> destination);
}
