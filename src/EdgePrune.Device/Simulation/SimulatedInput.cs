using System.Globalization;
using EdgePrune.Sensors.Traces;
using EdgePrune.Sensors.Wiring;
using EdgePrune.Simulation.Boards;
using EdgePrune.Simulation.Gestures;
using EdgePrune.Simulation.Signals;

namespace EdgePrune.Device.Simulation;

/// <summary>
/// <c>--simulate TRACE|generator[:SEED[:SECONDS]]</c>: the wired board with emulated chips (the gesture sensor's chip
/// replays the trace, the others read constants) behind the production drivers, and a virtual GPIO controller.
/// </summary>
public sealed class SimulatedInput : IDisposable
{
    private SimulatedInput(SimulatedBoard board, SensorTrace trace, SimulatedGestureSensor source)
    {
        Board = board;
        Trace = trace;
        Source = source;
    }

    public SimulatedBoard Board { get; }

    public SensorTrace Trace { get; }

    public SimulatedGestureSensor Source { get; }

    /// <summary>Reads a trace file or runs the generator (<c>generator</c>, <c>generator:SEED</c>, <c>generator:SEED:SECONDS</c>; default seed 9100, 60 s).</summary>
    public static SensorTrace LoadTrace(string what)
    {
        if (what == "generator" || what.StartsWith("generator:", StringComparison.Ordinal))
        {
            string[] parts = what.Split(':');
            if (parts.Length > 3
                || (parts.Length > 1 && !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
                || (parts.Length > 2 && !(double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0)))
            {
                throw new DeviceConfigException($"--simulate {what}: expected generator[:SEED[:SECONDS]] with an integer seed and positive seconds, e.g. generator:9100:300");
            }

            int seed = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 9100;
            double seconds = parts.Length > 2 ? double.Parse(parts[2], CultureInfo.InvariantCulture) : 60;
            return GestureTraceGenerator.Generate(new GestureTraceOptions(seed, seconds));
        }

        if (!File.Exists(what))
        {
            throw new DeviceConfigException($"--simulate {what}: no such trace file; pass a CSV trace (devices/traces/*.csv) or 'generator[:SEED[:SECONDS]]'");
        }

        try
        {
            return SensorTrace.Load(what);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentException)
        {
            throw new DeviceConfigException($"--simulate {what}: not a trace file: {e.Message}", e);
        }
    }

    public static SimulatedInput Create(WiringConfig wiring, SensorTrace trace, TimeProvider clock)
    {
        var gesture = wiring.GestureSensorWiring;
        string[] wanted = gesture.Chip switch
        {
            "mpu6050" => ["ax", "ay", "az", "gx", "gy", "gz"],
            "adxl345" => ["ax", "ay", "az"],
            _ => throw new DeviceConfigException($"--simulate: the gesture sensor '{gesture.Name}' is a {gesture.Chip}; the simulation replays traces into an mpu6050 or adxl345"),
        };
        var missing = wanted.Where(c => !trace.Channels.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new DeviceConfigException($"--simulate: the trace lacks channels {string.Join(", ", missing)} that the {gesture.Chip} measures");
        }

        var board = new SimulatedBoard(wiring, sensor => sensor.Name == gesture.Name
            ? new TraceSignal(trace, wanted)
            : sensor.Chip switch
            {
                "bme280" => FunctionSignal.Constant(21.5, 1009.0, 40.0),
                "ads1115" => FunctionSignal.Constant(1.2, 0, 0, 0),
                "mpu6050" or "mpu9250" => FunctionSignal.Constant(0, 0, 1, 0, 0, 0),
                _ => FunctionSignal.Constant(0, 0, 1),
            }, clock);
        var source = new SimulatedGestureSensor(board.SensorFactory.Create(gesture), trace, clock);
        return new SimulatedInput(board, trace, source);
    }

    public void Dispose()
    {
        Source.Dispose();
        Board.Dispose();
    }
}
