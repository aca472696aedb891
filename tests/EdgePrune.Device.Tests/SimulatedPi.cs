using EdgePrune.Device.Configuration;
using EdgePrune.Device.Service;
using EdgePrune.Sensors.Actions;
using EdgePrune.TestSupport.Logging;

namespace EdgePrune.Device.Tests;

/// <summary>The simulated Pi 4 of devices/service/pi4-gesture.json, prepared exactly as the executable prepares it.</summary>
internal sealed class SimulatedPi : IAsyncDisposable
{
    private SimulatedPi(PreparedRun run, MemoryStream stdout, TestLogger logger)
    {
        Run = run;
        Stdout = stdout;
        Logger = logger;
    }

    public static string Config => RepositoryPaths.Devices("service", "pi4-gesture.json");

    public static string Model => RepositoryPaths.SampleModel("gesture-int8.epb");

    public PreparedRun Run { get; }

    public MemoryStream Stdout { get; }

    public TestLogger Logger { get; }

    public List<OutputRecord> Records { get; } = [];

    public static SimulatedPi Create(string simulate, string? model = null, Engine engine = Engine.EdgePrune)
    {
        var stdout = new MemoryStream();
        var logger = new TestLogger();
        var run = PreparedRun.Create(new RunRequest(Config, model, simulate, engine, null, false), stdout, new TestLoggerFactory(logger));
        return new SimulatedPi(run, stdout, logger);
    }

    /// <summary>Runs to the end of the trace; <paramref name="onRecord"/> sees each record after the service's sinks did.</summary>
    public async Task<DeviceRunSummary> RunAsync(Action<OutputRecord>? onRecord = null, Func<DeviceRunParts, DeviceRunParts>? change = null)
    {
        var parts = Run.Parts with { Sink = new OutputFanOut([Run.Parts.Sink, new Hook(r => { Records.Add(r); onRecord?.Invoke(r); })]) };
        parts = change?.Invoke(parts) ?? parts;
        return await DeviceRun.RunAsync(parts, CancellationToken.None);
    }

    public string[] JsonLines() => System.Text.Encoding.UTF8.GetString(Stdout.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public async ValueTask DisposeAsync() => await Run.DisposeAsync();

    private sealed class Hook(Action<OutputRecord> action) : IOutputSink
    {
        public void Write(OutputRecord record) => action(record);
    }
}
