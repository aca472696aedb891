using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgePrune.Export.C;

namespace EdgePrune.Export.Tests;

/// <summary>
/// An int8 export and the runtime compiled for the Cortex-M4 (-mcpu=cortex-m4 -mthumb, so the DSP path with SMLAD and
/// SXTB16), linked with a tiny Linux-syscall entry point instead of a board's startup code, and run by qemu-arm user
/// emulation: samples on stdin, outputs on stdout. The Thumb-2 instructions are the ones the M4 executes.
/// </summary>
internal sealed class QemuUserBuild
{
    private readonly string _exe;

    public QemuUserBuild(CExport export)
    {
        string dir = CToolchain.NewDirectory("qemu-user");
        File.WriteAllText(Path.Combine(dir, export.HeaderFileName), export.Header);
        File.WriteAllText(Path.Combine(dir, export.SourceFileName), export.Source);
        string prefix = export.Report.Prefix, upper = prefix.ToUpperInvariant();
        // Linux EABI syscalls: read = 3, write = 4, exit = 1, number in r7, "svc #0".
        File.WriteAllText(Path.Combine(dir, "entry.c"), $$"""
            #include <stdint.h>
            #include "{{export.HeaderFileName}}"

            static long linux_syscall(long number, long a, long b, long c)
            {
                register long r0 __asm__("r0") = a;
                register long r1 __asm__("r1") = b;
                register long r2 __asm__("r2") = c;
                register long r7 __asm__("r7") = number;
                __asm__ volatile("svc #0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
                return r0;
            }

            static int read_all(void *buffer, long bytes)
            {
                long done = 0;
                while (done < bytes) {
                    long got = linux_syscall(3, 0, (long)((char *)buffer + done), bytes - done);
                    if (got <= 0) {
                        return 0;
                    }
                    done += got;
                }
                return 1;
            }

            void _start(void)
            {
                static int8_t input[{{upper}}_INPUT_SIZE];
                static int8_t output[{{upper}}_OUTPUT_SIZE];
                int status = 0;
                while (read_all(input, sizeof input)) {
                    status |= {{prefix}}_invoke(input, output);
                    linux_syscall(4, 1, (long)output, sizeof output);
                }
                linux_syscall(1, status, 0, 0);
                for (;;) {
                }
            }
            """);
        _exe = Path.Combine(dir, "program.elf");
        CToolchain.Run("arm-none-eabi-gcc", [
            .. CToolchain.CortexM4, "-nostartfiles", "-static", "-I", CToolchain.RuntimeInclude, "-I", dir,
            Path.Combine(dir, "entry.c"), Path.Combine(dir, export.SourceFileName), .. CToolchain.RuntimeObjects("arm-none-eabi-gcc", CToolchain.CortexM4),
            "-Wl,--gc-sections", "-o", _exe, "-lc", "-lgcc"]);
    }

    public string Disassembly => CToolchain.Run("arm-none-eabi-objdump", ["-d", _exe]);

    public sbyte[][] Run(IReadOnlyList<sbyte[]> samples, int outputSize)
    {
        var start = new ProcessStartInfo("qemu-arm-static") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(_exe);
        using var process = Process.Start(start)!;
        var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.BaseStream.Write(samples.SelectMany(s => MemoryMarshal.AsBytes(s.AsSpan()).ToArray()).ToArray());
        process.StandardInput.Close();
        copy.Wait();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"qemu-arm-static {_exe} exited {process.ExitCode}: {stderr.Result}");
        var all = MemoryMarshal.Cast<byte, sbyte>(stdout.ToArray()).ToArray();
        Assert.Equal(samples.Count * outputSize, all.Length);
        return Enumerable.Range(0, samples.Count).Select(i => all.AsSpan(i * outputSize, outputSize).ToArray()).ToArray();
    }
}
