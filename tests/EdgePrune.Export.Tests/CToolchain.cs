using System.Collections.Concurrent;
using System.Diagnostics;
using EdgePrune.TestSupport;

namespace EdgePrune.Export.Tests;

/// <summary>Runs the C compilers the C export targets (gcc, clang, arm-none-eabi-gcc) and the programs they build.</summary>
internal static class CToolchain
{
    public const string Strict = "-std=c99 -Wall -Wextra -Werror -pedantic";

    /// <summary>The Cortex-M4 flags of the firmware builds (firmware-export/README.md: sections for --gc-sections).</summary>
    public static readonly string[] CortexM4 = ["-mcpu=cortex-m4", "-mthumb", "-Os", "-ffunction-sections", "-fdata-sections"];

    public static string RuntimeDirectory => Path.Combine(RepositoryPaths.Root, "firmware-export", "runtime");

    public static string RuntimeInclude => Path.Combine(RuntimeDirectory, "include");

    /// <summary>The .epb interpreter, compiled only into embedded-.epb builds (it references every kernel it can call).</summary>
    public static string InterpreterSource => Path.Combine(RuntimeDirectory, "epb", "epb_interpreter.c");

    public static IReadOnlyList<string> RuntimeSources => Directory.GetFiles(Path.Combine(RuntimeDirectory, "src"), "*.c").Order(StringComparer.Ordinal).ToList();

    public static string NewDirectory(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "edgeprune-c-tests", $"{name}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Runs a program to completion; fails the test with its output when it exits non-zero.</summary>
    public static string Run(string program, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', start.ArgumentList)} exited {process.ExitCode}:\n{stdout}\n{stderr.Result}");
        return stdout + stderr.Result;
    }

    private static readonly ConcurrentDictionary<string, Lazy<string[]>> RuntimeObjectCache = new(StringComparer.Ordinal);

    /// <summary>The runtime's sources compiled once per compiler and flags (every export test links the same objects).</summary>
    public static string[] RuntimeObjects(string compiler, params string[] flags) =>
        RuntimeObjectCache.GetOrAdd(compiler + " " + string.Join(' ', flags), _ => new Lazy<string[]>(() =>
        {
            string dir = NewDirectory("runtime");
            return RuntimeSources.Select(source =>
            {
                string obj = Path.Combine(dir, Path.GetFileNameWithoutExtension(source) + ".o");
                Run(compiler, [.. Strict.Split(' '), .. flags, "-I", RuntimeInclude, "-c", source, "-o", obj]);
                return obj;
            }).ToArray();
        })).Value;

    /// <summary>Compiles the given sources (a model and a main) with the host compiler, links the runtime, returns the executable.</summary>
    public static string BuildHost(string compiler, string directory, IEnumerable<string> sources, params string[] extraFlags)
    {
        string exe = Path.Combine(directory, "program");
        string[] flags = ["-O2", .. extraFlags];
        Run(compiler, [.. Strict.Split(' '), .. flags, "-I", RuntimeInclude, "-I", directory, .. sources, .. RuntimeObjects(compiler, flags), "-o", exe, "-lm"]);
        return exe;
    }
}
