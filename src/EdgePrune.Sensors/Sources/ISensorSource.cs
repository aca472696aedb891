namespace EdgePrune.Sensors.Sources;

/// <summary>One channel a source delivers: a name the wiring and the model agree on, and its unit.</summary>
public readonly record struct SensorChannel(string Name, string Unit);

/// <summary>
/// Something that yields one frame of channel values on demand: a chip through its Iot.Device.Bindings driver,
/// or a recorded trace. A source takes its bus in the constructor and never opens one itself.
/// </summary>
public interface ISensorSource : IDisposable
{
    string Name { get; }

    IReadOnlyList<SensorChannel> Channels { get; }

    /// <summary>(Re)starts the device: identity check and configuration. Called before the first read and after a fault;
    /// throws the driver's exception (usually <see cref="IOException"/>) when the device does not answer.</summary>
    void Open();

    /// <summary>Reads one frame into <paramref name="destination"/> (length = <see cref="Channels"/>.Count), in the channels' units.</summary>
    void Read(Span<float> destination);
}
