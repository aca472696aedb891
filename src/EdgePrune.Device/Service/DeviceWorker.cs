using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgePrune.Device.Service;

/// <summary>
/// The hosted service: runs the prepared pipeline until the host stops it (SIGTERM from systemd, Ctrl-C) or a
/// replayed trace ends, then stops the host. A failure inside the run is logged once and makes the exit code 1.
/// </summary>
public sealed class DeviceWorker(PreparedRun run, IHostApplicationLifetime lifetime, ILogger<DeviceWorker> logger) : BackgroundService
{
    /// <summary>True when the run ended by an error (the process then exits 1).</summary>
    public bool Failed { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting before the sampling loop takes the thread.
        await Task.Yield();
        try
        {
            var summary = await DeviceRun.RunAsync(run.Parts, stoppingToken);
            logger.LogInformation("stopped: {Samples} samples, {Windows} windows, {Events} gesture events, {Gaps} gaps, {Faults} sensor fault episodes ({Recoveries} recovered), {Swaps} model swaps",
                summary.Samples, summary.Windows, summary.Events, summary.Gaps, summary.SensorFaults, summary.Recoveries, summary.ModelSwaps);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError("the run failed: {Error}", e.Message);
            Failed = true;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }
}
