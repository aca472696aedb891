using System.Globalization;
using System.Text.RegularExpressions;
using EdgePrune.Core.Inspection;
using EdgePrune.Core.Onnx;
using EdgePrune.Export.C;
using EdgePrune.Export.Epb;
using EdgePrune.TestSupport;
using EdgePrune.TestSupport.Firmware;

namespace EdgePrune.Export.Tests;

/// <summary>
/// <see cref="RuntimeCode"/>'s table against the runtime as it is: every source file compiled by arm-none-eabi-gcc with
/// the qemu-mps2-an386 profile's flags, sizes from <c>arm-none-eabi-nm -S</c>, calls from <c>arm-none-eabi-objdump -r</c>.
/// A changed kernel fails here until the table is re-measured.
/// </summary>
public sealed partial class RuntimeCodeTableTests
{
    private static readonly string RuntimeDirectory = Path.Combine(RepositoryPaths.Root, "firmware-export", "runtime");

    [Fact]
    public void Table_matches_arm_none_eabi_gcc_sizes_and_calls_of_every_runtime_function()
    {
        string[] flags = ["-std=c99", .. QemuMps2An386.Profile.CompilerFlags, "-ffunction-sections", "-fdata-sections"];
        Assert.All(flags, f => Assert.Contains(f, RuntimeCode.MeasuredWith, StringComparison.Ordinal));
        string build = Directory.CreateTempSubdirectory("ep-runtime-size-").FullName;
        try
        {
            var sources = Directory.GetFiles(Path.Combine(RuntimeDirectory, "src"), "*.c").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(sources, RuntimeCode.Functions.Select(f => f.File).Distinct().Order(StringComparer.Ordinal));
            foreach (string source in sources)
            {
                string obj = Path.Combine(build, Path.ChangeExtension(source, ".o"));
                QemuMps2An386.Tool("arm-none-eabi-gcc", [.. flags, "-I", Path.Combine(RuntimeDirectory, "include"), "-c", Path.Combine(RuntimeDirectory, "src", source), "-o", obj]);
                var measured = Symbols(QemuMps2An386.Tool("arm-none-eabi-nm", "-S", "--defined-only", obj));
                var calls = Calls(QemuMps2An386.Tool("arm-none-eabi-objdump", "-r", obj));
                var table = RuntimeCode.Functions.Where(f => f.File == source).ToList();

                Assert.Equal(
                    measured.OrderBy(m => m.Name, StringComparer.Ordinal).Select(m => $"{m.Name} {m.Bytes} {(m.IsStatic ? "static" : "global")}"),
                    table.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => $"{f.Name} {f.Bytes} {(f.IsStatic ? "static" : "global")}"));
                foreach (var function in table)
                {
                    Assert.Equal(
                        calls.GetValueOrDefault(function.Name, []).Order(StringComparer.Ordinal),
                        function.Calls.Order(StringComparer.Ordinal));
                }
            }
        }
        finally
        {
            Directory.Delete(build, recursive: true);
        }
    }

    [Fact]
    public void Helpers_are_counted_once_however_many_kernels_call_them()
    {
        // Hand sum from the table: 304 + 462 own code, dot4_s8 216 and ep_requantize 144 shared.
        Assert.Equal(304 + 462 + 216 + 144, RuntimeCode.Bytes(["ep_fully_connected_s8", "ep_fully_connected_s8_bitmask"]));
        Assert.Equal(22 + 22 + 214, RuntimeCode.Bytes(["ep_add_f32", "ep_mul_f32"]));
        Assert.Throws<ArgumentException>(() => RuntimeCode.Bytes(["ep_no_such_kernel"]));
    }

    [Theory]
    [InlineData("lenet-300-100.onnx")]
    [InlineData("lenet5.onnx")]
    public void Kernels_inspect_counts_for_an_onnx_graph_cover_what_its_C_export_calls(string model)
    {
        var graph = OnnxImporter.Load(RepositoryPaths.SampleModel(model)).Graph;
        var export = CExporter.Write(graph, new CExportOptions());
        var called = KernelCall().Matches(export.Source).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(called.Order(StringComparer.Ordinal), export.Report.Kernels.Order(StringComparer.Ordinal));
        Assert.Equal(called.Order(StringComparer.Ordinal), CExporter.KernelsOf(EpbWriter.Write(graph, new EpbWriteOptions())).Order(StringComparer.Ordinal));
        Assert.Subset(RuntimeCode.KernelsOf(graph).ToHashSet(StringComparer.Ordinal), called);
        Assert.Equal(RuntimeCode.Bytes(called), export.Report.RuntimeCodeBytes);
    }

    /// <summary>Function symbols of <c>nm -S</c>: "address size type name", T global, t static.</summary>
    private static List<(string Name, int Bytes, bool IsStatic)> Symbols(string nm) =>
        [.. nm.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 4 && p[2] is "T" or "t")
            .Select(p => (p[3], int.Parse(p[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture), p[2] == "t"))];

    /// <summary>Per function, the symbols its section's branch relocations name (section-relative ones excluded).</summary>
    private static Dictionary<string, HashSet<string>> Calls(string objdump)
    {
        var calls = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        string? function = null;
        foreach (string line in objdump.Split('\n'))
        {
            if (SectionHeader().Match(line) is { Success: true } header)
            {
                function = header.Groups[1].Value;
            }
            else if (function is not null && Relocation().Match(line) is { Success: true } relocation && !relocation.Groups[1].Value.StartsWith('.'))
            {
                if (!calls.TryGetValue(function, out var set))
                {
                    calls[function] = set = [];
                }

                set.Add(relocation.Groups[1].Value);
            }
            else if (line.StartsWith("RELOCATION RECORDS", StringComparison.Ordinal))
            {
                function = null;
            }
        }

        return calls;
    }

    [GeneratedRegex(@"^RELOCATION RECORDS FOR \[\.text\.(\w+)\]")]
    private static partial Regex SectionHeader();

    [GeneratedRegex(@"R_ARM_THM_(?:CALL|JUMP24)\s+(\S+)")]
    private static partial Regex Relocation();

    [GeneratedRegex(@"\(int\)(ep_\w+)\(")]
    private static partial Regex KernelCall();
}
