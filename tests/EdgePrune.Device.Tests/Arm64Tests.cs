using System.Diagnostics;
using System.Text;
using EdgePrune.Sensors.Actions;

namespace EdgePrune.Device.Tests;

/// <summary>Publishes edgeprune-device self-contained for linux-arm64 once for the class (minutes: see docs/device.md).</summary>
public sealed class Arm64Publish : IDisposable
{
    private readonly string _artifacts = Directory.CreateTempSubdirectory("edgeprune-arm64-").FullName;

    public Arm64Publish()
    {
        Output = Path.Combine(_artifacts, "publish");
        var clock = Stopwatch.StartNew();
        // Separate artifacts so the publish never touches the obj/bin folders the running tests were built into.
        var (exit, log) = Arm64Tests.Start("dotnet", ["publish", Path.Combine(RepositoryPaths.Root, "src", "EdgePrune.Device", "EdgePrune.Device.csproj"),
            "-r", "linux-arm64", "--self-contained", "-c", "Release", "--artifacts-path", _artifacts, "-o", Output, "-p:NoWarn=NU1603"], TimeSpan.FromMinutes(15), null);
        PublishTime = clock.Elapsed;
        if (exit != 0)
        {
            throw new InvalidOperationException($"dotnet publish -r linux-arm64 failed ({exit}):\n{log}");
        }
    }

    public string Output { get; }

    public TimeSpan PublishTime { get; }

    public void Dispose() => Directory.Delete(_artifacts, recursive: true);
}

public class Arm64Tests(Arm64Publish publish) : IClassFixture<Arm64Publish>
{
    private const string Qemu = "/usr/bin/qemu-aarch64-static";

    [Fact]
    public async Task Published_linux_arm64_service_under_qemu_prints_the_same_events_as_on_x64()
    {
        Assert.True(File.Exists(Qemu), "qemu-aarch64-static is missing: apt-get install qemu-user-static libc6-arm64-cross (.ci/run does)");
        string[] args = ["run", "--config", RepositoryPaths.Devices("service", "pi4-gesture.json"), "--simulate", "generator:9100:30"];

        var x64 = new MemoryStream();
        Assert.Equal(0, await DeviceCommandLine.RunAsync(args, x64, new StringWriter()));

        string binary = Path.Combine(publish.Output, "edgeprune-device");
        var (exit, arm64) = Start(Qemu, [binary, .. args], TimeSpan.FromMinutes(5), new Dictionary<string, string>
        {
            ["QEMU_LD_PREFIX"] = "/usr/aarch64-linux-gnu",
            ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1",
        }, stdoutOnly: true);
        Assert.True(exit == 0, $"edgeprune-device under qemu-aarch64 exited {exit}:\n{arm64}");

        var expected = Records(Encoding.UTF8.GetString(x64.ToArray()));
        var actual = Records(arm64);
        Assert.NotEmpty(expected.OfType<GestureRecord>());
        Assert.Equal(expected.OfType<GestureRecord>().ToList(), actual.OfType<GestureRecord>().ToList());
        Assert.Equal(expected.OfType<WindowRecord>().Select(w => (w.Window, w.Predicted)), actual.OfType<WindowRecord>().Select(w => (w.Window, w.Predicted)));
    }

    private static List<OutputRecord> Records(string jsonLines) =>
        jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => OutputRecord.FromJson(l)!).ToList();

    internal static (int Exit, string Output) Start(string file, string[] args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, bool stdoutOnly = false)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout}");
        }

        process.WaitForExit();
        return (process.ExitCode, stdoutOnly && process.ExitCode == 0 ? stdout.Result : stdout.Result + stderr.Result);
    }
}
