using EdgePrune.Device.Configuration;
using EdgePrune.Device.Service;
using EdgePrune.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace EdgePrune.Device;

/// <summary>
/// The <c>edgeprune-device</c> entry point: parse, prepare (every input validated), then host the run on
/// Microsoft.Extensions.Hosting (configuration from <c>DOTNET_</c>/<c>EDGEPRUNE_</c> environment variables, console
/// logging to stderr, graceful stop on SIGTERM and Ctrl-C). JSON lines go to <paramref name="standardOutput"/>.
/// Exit codes: 0 done, 1 the run failed, 2 bad command line, config or model (one line on stderr).
/// </summary>
public static class DeviceCommandLine
{
    public static async Task<int> RunAsync(string[] args, Stream standardOutput, TextWriter standardError)
    {
        if (args is ["--help"] or ["-h"] or ["run", "--help"])
        {
            await standardError.WriteLineAsync(RunRequest.Usage);
            return 0;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = false, Args = [] });
        builder.Configuration.AddEnvironmentVariables("EDGEPRUNE_");
        builder.Logging.ClearProviders();
        AddStderrConsole(builder.Logging);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

        PreparedRun run;
        // The run is prepared before the host exists (a bad input must stop it before anything starts), so the run,
        // its sampler and its model watcher log through a factory of their own, alive until the run is disposed.
        using var runLogging = LoggerFactory.Create(l => AddStderrConsole(l.AddConfiguration(builder.Configuration.GetSection("Logging"))));
        try
        {
            run = PreparedRun.Create(RunRequest.Parse(args), standardOutput, runLogging);
        }
        catch (Exception e) when (e is DeviceConfigException or EpbFormatException)
        {
            await standardError.WriteLineAsync("edgeprune-device: " + e.Message.ReplaceLineEndings(" "));
            return 2;
        }

        await using (run)
        {
            builder.Services.AddSingleton(run);
            builder.Services.AddSingleton<DeviceWorker>();
            builder.Services.AddHostedService(services => services.GetRequiredService<DeviceWorker>());
            using var host = builder.Build();
            var worker = host.Services.GetRequiredService<DeviceWorker>();
            await host.RunAsync();
            return worker.Failed ? 1 : 0;
        }
    }

    /// <summary>One line per message, UTC time, all levels on stderr: stdout carries only the JSON lines.</summary>
    private static void AddStderrConsole(ILoggingBuilder logging)
    {
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
