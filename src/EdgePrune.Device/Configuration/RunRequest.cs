using System.Globalization;

namespace EdgePrune.Device.Configuration;

public enum Engine
{
    /// <summary>The <c>.epb</c> runtime (EdgePrune.Runtime).</summary>
    EdgePrune,

    /// <summary>ONNX Runtime on the model's ONNX file, with the <c>.epb</c> runtime beside it for agreement and latency.</summary>
    OnnxRuntime,
}

/// <summary>
/// <c>edgeprune-device run --config FILE [--model FILE.epb] [--simulate TRACE|generator[:SEED[:SECONDS]]]
/// [--engine edgeprune|onnxruntime] [--speed max|FACTOR] [--mqtt]</c>, parsed.
/// </summary>
public sealed record RunRequest(string Config, string? Model, string? Simulate, Engine Engine, double? Speed, bool SimulatedMqtt)
{
    public const string Usage =
        "usage: edgeprune-device run --config FILE [--model FILE.epb] [--simulate TRACE|generator[:SEED[:SECONDS]]] [--engine edgeprune|onnxruntime] [--speed max|FACTOR] [--mqtt]";

    /// <summary>Parses the command line; a mistake is a <see cref="DeviceConfigException"/> naming the argument.</summary>
    public static RunRequest Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] != "run")
        {
            throw new DeviceConfigException(args.Count == 0 ? "no command; " + Usage : $"unknown command '{args[0]}'; " + Usage);
        }

        string? config = null, model = null, simulate = null, speedText = null;
        var engine = Engine.EdgePrune;
        bool mqtt = false;
        for (int i = 1; i < args.Count; i++)
        {
            string name = args[i];
            if (name == "--mqtt")
            {
                mqtt = true;
                continue;
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new DeviceConfigException($"{name} needs a value; " + Usage);
            }

            string value = args[++i];
            switch (name)
            {
                case "--config":
                    config = value;
                    break;
                case "--model":
                    model = value;
                    break;
                case "--simulate":
                    simulate = value;
                    break;
                case "--speed":
                    speedText = value;
                    break;
                case "--engine":
                    engine = value switch
                    {
                        "edgeprune" => Engine.EdgePrune,
                        "onnxruntime" => Engine.OnnxRuntime,
                        _ => throw new DeviceConfigException($"--engine {value}: use edgeprune or onnxruntime"),
                    };
                    break;
                default:
                    throw new DeviceConfigException($"unknown option '{name}'; " + Usage);
            }
        }

        if (config is null)
        {
            throw new DeviceConfigException("--config is required; " + Usage);
        }

        double? speed = null;
        if (speedText is not null && speedText != "max")
        {
            speed = double.TryParse(speedText, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0
                ? s
                : throw new DeviceConfigException($"--speed {speedText}: use max or a positive factor (10 replays ten times faster than real time)");
        }

        if ((speedText is not null || mqtt) && simulate is null)
        {
            throw new DeviceConfigException("--speed and --mqtt only apply with --simulate (on a board, time is real and MQTT follows the wiring)");
        }

        return new RunRequest(config, model, simulate, engine, speed, mqtt);
    }
}
