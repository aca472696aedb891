using System.Diagnostics;
using System.Globalization;
using EdgePrune.Core.Devices;
using Xunit;

namespace EdgePrune.TestSupport.Firmware;

/// <summary>A firmware image built by the qemu-mps2-an386 target's Makefile: the ELF and its GNU ld link map.</summary>
public sealed record FirmwareImage(string BuildDirectory, string Elf, string Map);

/// <summary>
/// What a firmware printed under qemu (semihosting SYS_WRITE0 text, which qemu writes to its stderr) and the exit
/// status it passed to SYS_EXIT_EXTENDED.
/// </summary>
public sealed record FirmwareRun(int ExitCode, string Output)
{
    public IReadOnlyList<string> Lines { get; } = Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The predictions of the example firmwares' <c>pred &lt;index&gt; &lt;class&gt;</c> lines, in index order.</summary>
    public int[] Predictions()
    {
        var pairs = Lines.Where(l => l.StartsWith("pred ", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .Select(p => (Index: int.Parse(p[1], CultureInfo.InvariantCulture), Class: int.Parse(p[2], CultureInfo.InvariantCulture)))
            .ToArray();
        Assert.Equal(Enumerable.Range(0, pairs.Length), pairs.Select(p => p.Index));
        return [.. pairs.Select(p => p.Class)];
    }

    /// <summary>The whitespace-separated numbers after <paramref name="key"/> on the one line that starts with it.</summary>
    public long[] Values(string key)
    {
        string line = Assert.Single(Lines, l => l.StartsWith(key + " ", StringComparison.Ordinal));
        return [.. line[(key.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => long.Parse(v, CultureInfo.InvariantCulture))];
    }

    public long Value(string key) => Assert.Single(Values(key));
}

/// <summary>
/// Builds firmware with <c>firmware-export/targets/qemu-mps2-an386/Makefile</c> (arm-none-eabi-gcc, the device profile's
/// compiler flags) and runs it in <c>qemu-system-arm -machine mps2-an386</c> with semihosting and
/// <c>-icount shift=6</c>, which makes the firmware's instruction counts exact (docs/mcu.md).
/// </summary>
public static class QemuMps2An386
{
    public static string TargetDirectory => Path.Combine(RepositoryPaths.Root, "firmware-export", "targets", "qemu-mps2-an386");

    private static readonly Lazy<DeviceProfile> ProfileValue = new(() => DeviceProfiles.Load(RepositoryPaths.Devices("qemu-mps2-an386.json")));

    /// <summary>devices/qemu-mps2-an386.json: the compiler flags, qemu machine and qemu binary come from it.</summary>
    public static DeviceProfile Profile => ProfileValue.Value;

    /// <summary>Runs <c>make</c> for one example into <paramref name="buildDirectory"/>.</summary>
    /// <param name="modelDirectory">Folder whose <c>*.c</c> files are the exported model, or null.</param>
    /// <param name="modelHeader">The generated header to include; the Makefile defaults to <c>PREFIX_model.h</c>.</param>
    /// <param name="embedEpb">The model is an <c>--embed-epb</c> export: the .epb interpreter is built too.</param>
    public static FirmwareImage Build(string example, string buildDirectory, string? modelDirectory = null, string prefix = "model", string? modelHeader = null, string? runtimeDirectory = null, bool embedEpb = false)
    {
        var arguments = new List<string>
        {
            "-C", TargetDirectory, "--no-print-directory",
            $"EXAMPLE={example}",
            $"BUILD_DIR={buildDirectory}",
            $"PREFIX={prefix}",
            $"DEVICE_FLAGS={string.Join(' ', Profile.CompilerFlags)}",
        };
        if (modelDirectory is not null)
        {
            arguments.Add($"MODEL_DIR={modelDirectory}");
        }

        if (modelHeader is not null)
        {
            arguments.Add($"MODEL_HEADER={modelHeader}");
        }

        if (runtimeDirectory is not null)
        {
            arguments.Add($"RUNTIME_DIR={runtimeDirectory}");
        }

        if (embedEpb)
        {
            arguments.Add("EMBED_EPB=1");
        }

        var result = RunProcess("make", arguments, TargetDirectory, TimeSpan.FromMinutes(3));
        Assert.True(result.ExitCode == 0, $"make {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.Stdout}\n{result.Stderr}");
        return new FirmwareImage(buildDirectory, Path.Combine(buildDirectory, "firmware.elf"), Path.Combine(buildDirectory, "firmware.map"));
    }

    /// <summary>
    /// Runs the ELF in qemu until it exits; semihosting file names resolve against <paramref name="workingDirectory"/>.
    /// Fails the test when qemu is still running after <paramref name="timeout"/>.
    /// </summary>
    public static FirmwareRun Run(string elf, string workingDirectory, TimeSpan timeout)
    {
        string[] arguments =
        [
            "-machine", Profile.QemuMachine!, "-cpu", "cortex-m4",
            "-semihosting-config", "enable=on,target=native",
            "-icount", "shift=6",
            "-nographic", "-kernel", elf,
        ];
        var result = RunProcess(Profile.QemuSystem!, arguments, workingDirectory, timeout);
        return new FirmwareRun(result.ExitCode, result.Stderr + result.Stdout);
    }

    /// <summary>Runs a tool of the cross toolchain (arm-none-eabi-size, -nm, ...) and returns its stdout.</summary>
    public static string Tool(string program, params string[] arguments)
    {
        var result = RunProcess(program, arguments, Path.GetTempPath(), TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Stderr}");
        return result.Stdout;
    }

    private sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

    private static ProcessResult RunProcess(string program, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"{program} {string.Join(' ', arguments)} still running after {timeout.TotalSeconds} s; output so far:\n{stderr.Result}{stdout.Result}");
        }

        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
