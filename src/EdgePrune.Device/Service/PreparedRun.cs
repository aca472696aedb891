using System.Device.Gpio;
using EdgePrune.Device.Configuration;
using EdgePrune.Device.Models;
using EdgePrune.Device.Simulation;
using EdgePrune.Sensors.Actions;
using EdgePrune.Sensors.Inference;
using EdgePrune.Sensors.Timing;
using EdgePrune.Sensors.Wiring;
using EdgePrune.Simulation.Time;
using Microsoft.Extensions.Logging;

namespace EdgePrune.Device.Service;

/// <summary>
/// Everything a run needs, built and validated before the host starts (config, wiring, model, sensor, outputs), so
/// a bad input stops the service with one line instead of a half-started process. Owns the sinks, the GPIO
/// controller, the watcher and the simulated board; dispose it after the run (GPIO pins go low, MQTT drains).
/// </summary>
public sealed class PreparedRun : IAsyncDisposable
{
    private readonly List<IDisposable> _owned;
    private readonly List<IAsyncDisposable> _ownedAsync;

    private PreparedRun(DeviceRunParts parts, SimulatedInput? simulation, ModelWatcher? watcher, List<IDisposable> owned, List<IAsyncDisposable> ownedAsync)
    {
        Parts = parts;
        Simulation = simulation;
        Watcher = watcher;
        _owned = owned;
        _ownedAsync = ownedAsync;
    }

    public DeviceRunParts Parts { get; }

    public SimulatedInput? Simulation { get; }

    public ModelWatcher? Watcher { get; }

    public static PreparedRun Create(RunRequest request, Stream standardOutput, ILoggerFactory logging)
    {
        var logger = logging.CreateLogger("edgeprune-device");
        var config = DeviceConfig.Load(request.Config);
        WiringConfig wiring;
        try
        {
            wiring = WiringConfig.Load(config.Wiring);
        }
        catch (WiringException e)
        {
            throw new DeviceConfigException(e.Message.ReplaceLineEndings("; "), e);
        }

        string modelPath = Path.GetFullPath(request.Model ?? config.Model);
        var epb = LoadEpb(modelPath);
        var latency = new LatencyRecorder();
        SideBySideClassifier? sideBySide = null;
        IWindowClassifier decider = epb;
        if (request.Engine == Engine.OnnxRuntime)
        {
            string onnxPath = config.OnnxModel ?? throw new DeviceConfigException($"{request.Config}: --engine onnxruntime needs \"onnxModel\" (the ONNX file the .epb was exported from) in the config");
            if (!File.Exists(onnxPath))
            {
                throw new DeviceConfigException($"{onnxPath}: ONNX model not found (onnxModel in {request.Config})");
            }

            sideBySide = new SideBySideClassifier(OnnxWindowClassifier.Load(onnxPath), epb, onnxPath);
            decider = sideBySide;
        }

        var classifier = new SwappableClassifier(decider, latency);
        var smoothing = config.Smoothing.ToOptions();
        try
        {
            _ = new PredictionSmoother(classifier.Classes, smoothing);
        }
        catch (ArgumentException e)
        {
            throw new DeviceConfigException($"{request.Config}: smoothing: {e.Message.Split(" (Parameter")[0]}", e);
        }

        TimeProvider clock;
        SimulatedInput? simulation = null;
        GpioController gpio;
        Sensors.Sources.ISensorSource source;
        if (request.Simulate is { } simulate)
        {
            clock = request.Speed is { } speed ? new ScaledTimeProvider(speed) : new VirtualTimeProvider();
            simulation = SimulatedInput.Create(wiring, SimulatedInput.LoadTrace(simulate), clock);
            gpio = simulation.Board.Gpio;
            source = simulation.Source;
        }
        else
        {
            clock = TimeProvider.System;
            try
            {
                gpio = new GpioController();
            }
            catch (Exception e) when (e is PlatformNotSupportedException or IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                throw new DeviceConfigException($"no GPIO controller on this machine ({e.Message}); run on the board (user in group gpio) or add --simulate generator", e);
            }

            source = SensorFactory.Hardware.Create(wiring.GestureSensorWiring);
        }

        var owned = new List<IDisposable>();
        var ownedAsync = new List<IAsyncDisposable>();
        var sinks = new List<IOutputSink>();
        var outputs = wiring.Outputs;
        if (outputs.JsonLines is { } target)
        {
            var json = target == "stdout" ? new JsonLinesSink(standardOutput) : JsonLinesSink.AppendToFile(target);
            sinks.Add(config.WindowLines ? json : new WithoutWindows(json));
            owned.Add(json);
        }

        // The buzzer's pulse timer runs on real time under the simulated clock: a timer created on VirtualTimeProvider
        // moves simulated time to its due time, which would make the sampler skip the slots in between.
        var pulseClock = clock is VirtualTimeProvider ? TimeProvider.System : clock;
        var gpioSink = new GpioActionSink(gpio, new GpioActionOptions(outputs.Leds, outputs.Buzzer?.Pin, TimeSpan.FromMilliseconds(outputs.Buzzer?.PulseMs ?? 100)), pulseClock);
        sinks.Add(gpioSink);
        owned.Add(gpioSink);
        if (simulation is null)
        {
            owned.Add(gpio);
        }

        if (outputs.Mqtt is { } mqtt && (simulation is null || request.SimulatedMqtt))
        {
            var mqttSink = new MqttSink(new MqttSinkOptions(mqtt.Host, mqtt.Port, mqtt.ClientId ?? $"edgeprune-device-{Environment.MachineName}", mqtt.TopicPrefix) { QueueCapacity = mqtt.QueueCapacity }, logger);
            sinks.Add(mqttSink);
            ownedAsync.Add(mqttSink);
        }

        if (simulation is null)
        {
            owned.Add(source);
        }
        if (sideBySide is not null)
        {
            owned.Add(sideBySide);
        }

        ModelWatcher? watcher = null;
        if (config.WatchModel && request.Engine == Engine.EdgePrune)
        {
            watcher = new ModelWatcher(modelPath, classifier, (bytes, path) => EpbWindowClassifier.Load(bytes, path), logger);
            owned.Add(watcher);
        }

        var parts = new DeviceRunParts
        {
            Source = source,
            Clock = clock,
            SampleRateHz = wiring.SampleRateHz,
            Classifier = classifier,
            Window = epb.Spec,
            Smoothing = smoothing,
            Sink = new OutputFanOut(sinks, (sink, error) => logger.LogWarning("output {Sink} failed: {Error}", sink.GetType().Name, error.Message)),
            Logger = logger,
            StatusInterval = TimeSpan.FromSeconds(config.StatusIntervalSeconds),
            SideBySide = sideBySide,
        };
        return new PreparedRun(parts, simulation, watcher, owned, ownedAsync);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _ownedAsync)
        {
            await owned.DisposeAsync();
        }

        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        Simulation?.Dispose();
    }

    private static EpbWindowClassifier LoadEpb(string path)
    {
        if (!File.Exists(path))
        {
            throw new DeviceConfigException($"{path}: model file not found; pass --model FILE.epb or set \"model\" in the config");
        }

        return EpbWindowClassifier.Load(File.ReadAllBytes(path), path);
    }

    /// <summary>Leaves window lines out of a sink (config windowLines: false) while gestures and gaps still reach it.</summary>
    private sealed class WithoutWindows(IOutputSink inner) : IOutputSink
    {
        public void Write(OutputRecord record)
        {
            if (record is not WindowRecord)
            {
                inner.Write(record);
            }
        }
    }
}
