using System.Diagnostics;
using EdgePrune.Sensors.Actions;

namespace EdgePrune.Device.Tests;

public class ShutdownTests
{
    [Fact]
    public async Task Sigterm_stops_the_service_gracefully_with_exit_0_and_only_whole_json_lines()
    {
        // The service built next to the tests, replaying in real time so it is mid-run when the signal comes.
        string service = Path.Combine(AppContext.BaseDirectory, "edgeprune-device.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { service, "run", "--config", SimulatedPi.Config, "--simulate", "generator:9100:600", "--speed", "1" })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        var firstLine = new TaskCompletionSource();
        var reading = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                lines.Add(line);
                firstLine.TrySetResult();
            }
        });
        await firstLine.Task.WaitAsync(TimeSpan.FromSeconds(60));

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var stopped = Stopwatch.StartNew();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await reading;
        string log = await stderr;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {log}");
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(15), $"took {stopped.Elapsed} to stop");
        Assert.Contains("stopped:", log, StringComparison.Ordinal);
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.NotNull(OutputRecord.FromJson(line)));
    }
}
