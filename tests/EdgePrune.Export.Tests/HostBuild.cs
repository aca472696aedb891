using System.Runtime.InteropServices;
using EdgePrune.Export.C;

namespace EdgePrune.Export.Tests;

/// <summary>
/// An export compiled for the host with a test main that runs every sample of inputs.bin through NAME_invoke in one
/// process and writes the outputs back to back to outputs.bin.
/// </summary>
internal sealed class HostBuild
{
    private readonly string _directory;
    private readonly string _exe;

    public HostBuild(CExport export, string compiler = "gcc", params string[] flags)
    {
        _directory = CToolchain.NewDirectory("host");
        File.WriteAllText(Path.Combine(_directory, export.HeaderFileName), export.Header);
        File.WriteAllText(Path.Combine(_directory, export.SourceFileName), export.Source);
        string prefix = export.Report.Prefix, upper = prefix.ToUpperInvariant();
        File.WriteAllText(Path.Combine(_directory, "main.c"), $$"""
            #include <stdio.h>
            #include "{{export.HeaderFileName}}"

            #if {{upper}}_IS_INT8
            typedef int8_t element;
            #else
            typedef float element;
            #endif

            int main(int argc, char **argv)
            {
                static element input[{{upper}}_INPUT_SIZE];
                static element output[{{upper}}_OUTPUT_SIZE];
                FILE *in, *out;
                if (argc != 3 || (in = fopen(argv[1], "rb")) == NULL || (out = fopen(argv[2], "wb")) == NULL) {
                    return 1;
                }
                while (fread(input, sizeof input, 1, in) == 1) {
                    if ({{prefix}}_invoke(input, output) != 0) {
                        return 2;
                    }
                    fwrite(output, sizeof output, 1, out);
                }
                fclose(in);
                return fclose(out) == 0 ? 0 : 3;
            }
            """);
        string[] sources = [Path.Combine(_directory, export.SourceFileName), Path.Combine(_directory, "main.c")];
        _exe = CToolchain.BuildHost(compiler, _directory, export.Report.EmbeddedEpb is null ? sources : [.. sources, CToolchain.InterpreterSource], flags);
    }

    /// <summary>Runs every sample (each the model's input size) and returns the outputs, one array per sample.</summary>
    public T[][] Run<T>(IReadOnlyList<T[]> samples, int outputSize)
        where T : unmanaged
    {
        string inputs = Path.Combine(_directory, "inputs.bin"), outputs = Path.Combine(_directory, "outputs.bin");
        File.WriteAllBytes(inputs, samples.SelectMany(s => MemoryMarshal.AsBytes(s.AsSpan()).ToArray()).ToArray());
        CToolchain.Run(_exe, [inputs, outputs]);
        var all = MemoryMarshal.Cast<byte, T>(File.ReadAllBytes(outputs)).ToArray();
        Assert.Equal(samples.Count * outputSize, all.Length);
        return Enumerable.Range(0, samples.Count).Select(i => all.AsSpan(i * outputSize, outputSize).ToArray()).ToArray();
    }
}
