using System.Globalization;
using EdgePrune.Core;
using EdgePrune.Export.Firmware;
using EdgePrune.TestSupport.Firmware;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Firmware;

/// <summary>The link-map reader against the cross toolchain's own view of the same ELF (arm-none-eabi-size and -nm).</summary>
public sealed class MapFileTests : IClassFixture<MapFileTests.Image>
{
    private readonly Image _image;
    private readonly ITestOutputHelper _output;

    public MapFileTests(Image image, ITestOutputHelper output)
    {
        _image = image;
        _output = output;
    }

    /// <summary>The classify example around a hand-written model with two kernels in use, one unused, and data of every kind.</summary>
    public sealed class Image : IDisposable
    {
        private const string Header = """
            #include <stdint.h>
            #define SIZED_INPUT_SIZE 4
            #define SIZED_OUTPUT_SIZE 2
            #define SIZED_ARENA_BYTES 8
            #define SIZED_IS_INT8 1
            extern uint32_t sized_invocations;
            extern int32_t sized_arena[SIZED_ARENA_BYTES / 4];
            int32_t ep_dot_s8(const int8_t *a, const int8_t *b, int n);
            int8_t ep_requantize_s8(int32_t acc, int shift);
            float ep_unused_f32(float x);
            int sized_invoke(const int8_t *input, int8_t *output);
            """;

        private const string Source = """
            #include "sized_model.h"
            static const int8_t weights[SIZED_OUTPUT_SIZE][SIZED_INPUT_SIZE] = { { 1, 2, 3, 4 }, { -1, -2, -3, -4 } };
            int32_t sized_arena[SIZED_ARENA_BYTES / 4];
            uint32_t sized_invocations = 1;
            __attribute__((noinline)) int32_t ep_dot_s8(const int8_t *a, const int8_t *b, int n)
            {
                int32_t acc = 0;
                int i;
                for (i = 0; i < n; ++i) {
                    acc += (int32_t)a[i] * b[i];
                }
                return acc;
            }
            __attribute__((noinline)) int8_t ep_requantize_s8(int32_t acc, int shift)
            {
                int32_t v = acc >> shift;
                return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
            }
            float ep_unused_f32(float x)
            {
                return x * 2.0f;
            }
            int sized_invoke(const int8_t *input, int8_t *output)
            {
                int j;
                for (j = 0; j < SIZED_OUTPUT_SIZE; ++j) {
                    sized_arena[j] = ep_dot_s8(weights[j], input, SIZED_INPUT_SIZE);
                    output[j] = ep_requantize_s8(sized_arena[j], 2);
                }
                ++sized_invocations;
                return 0;
            }
            """;

        private readonly string _directory = Directory.CreateTempSubdirectory("edgeprune-map-").FullName;

        public Image()
        {
            string model = Path.Combine(_directory, "model");
            Directory.CreateDirectory(model);
            File.WriteAllText(Path.Combine(model, "sized_model.h"), Header);
            File.WriteAllText(Path.Combine(model, "sized_model.c"), Source);
            Firmware = QemuMps2An386.Build("classify", Path.Combine(_directory, "build"), model, prefix: "sized");
            Map = MapFile.Load(Firmware.Map);
        }

        public FirmwareImage Firmware { get; }

        public MapFile Map { get; }

        public void Dispose() => Directory.Delete(_directory, recursive: true);
    }

    /// <summary>arm-none-eabi-size -A -d: section name → size.</summary>
    private Dictionary<string, long> SizeSections() =>
        QemuMps2An386.Tool("arm-none-eabi-size", "-A", "-d", _image.Firmware.Elf).Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 3 && p[0].StartsWith('.'))
            .ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));

    /// <summary>arm-none-eabi-nm -S --size-sort: symbol → (type, size).</summary>
    private Dictionary<string, (char Type, long Size)> NmSymbols() =>
        QemuMps2An386.Tool("arm-none-eabi-nm", "-S", "--size-sort", _image.Firmware.Elf).Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 4)
            .GroupBy(p => p[3])
            .ToDictionary(g => g.Key, g => (g.First()[2][0], long.Parse(g.First()[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)));

    [Fact]
    public void Output_sections_match_arm_none_eabi_size()
    {
        var size = SizeSections();
        foreach (string name in new[] { ".isr_vector", ".text", ".data", ".bss", ".stack" })
        {
            long fromMap = _image.Map.OutputSections.Where(s => s.Name == name).Sum(s => s.Size);
            Assert.True(size[name] == fromMap, $"{name}: size {size[name]}, map {fromMap}");

            // Inside each section, the objects' input sections and the alignment padding account for every byte.
            long parts = _image.Map.InputSections.Where(s => s.OutputSection == name).Sum(s => s.Size) + _image.Map.FillBytes.GetValueOrDefault(name);
            Assert.True(fromMap == parts, $"{name}: {fromMap} bytes, input sections and fill {parts}");
        }
    }

    [Fact]
    public void Function_and_variable_sizes_match_arm_none_eabi_nm()
    {
        var nm = NmSymbols();
        var functions = _image.Map.Functions();
        var variables = _image.Map.Variables();
        int compared = 0;
        foreach (var (name, (type, size)) in nm)
        {
            if (functions.TryGetValue(name, out long code) && char.ToUpperInvariant(type) == 'T')
            {
                Assert.True(code == size, $"function {name}: nm {size}, map {code}");
                compared++;
            }
            else if (variables.TryGetValue(name, out long bytes))
            {
                Assert.True(bytes == size, $"variable {name}: nm {size}, map {bytes}");
                compared++;
            }
        }

        _output.WriteLine($"{compared} symbols compared");
        Assert.Contains("sized_invoke", functions.Keys);
        Assert.Equal(8, variables["weights"]);
        Assert.Equal(8, variables["sized_arena"]);
        Assert.Equal(4, variables["sized_invocations"]);
        Assert.True(compared >= 30, $"only {compared} symbols compared");
    }

    [Fact]
    public void Object_totals_add_up_to_the_Berkeley_sizes()
    {
        // Berkeley format: text = every allocated read-only section, data = .data, bss = .bss and the stack reservation.
        string[] berkeley = QemuMps2An386.Tool("arm-none-eabi-size", "-B", "-d", _image.Firmware.Elf).Split('\n')[1].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        long text = long.Parse(berkeley[0], CultureInfo.InvariantCulture);
        long data = long.Parse(berkeley[1], CultureInfo.InvariantCulture);
        long bss = long.Parse(berkeley[2], CultureInfo.InvariantCulture);
        var objects = _image.Map.ByObject();
        long fill(params string[] sections) => sections.Sum(s => _image.Map.FillBytes.GetValueOrDefault(s));

        Assert.Equal(text, objects.Sum(o => o.Code + o.ReadOnlyData) + fill(".isr_vector", ".text", ".ARM.exidx"));
        Assert.Equal(data, objects.Sum(o => o.Data) + fill(".data"));
        Assert.Equal(bss, objects.Sum(o => o.Bss) + fill(".bss", ".stack"));

        var model = Assert.Single(objects, o => o.Object.EndsWith("sized_model.o", StringComparison.Ordinal));
        _output.WriteLine(string.Join('\n', objects.Select(o => $"{o.Object}: code {o.Code}, rodata {o.ReadOnlyData}, data {o.Data}, bss {o.Bss}")));
        Assert.Equal(8, model.ReadOnlyData);
        Assert.Equal(4, model.Data);
        Assert.Equal(8, model.Bss);
    }

    [Fact]
    public void Kernels_are_the_ep_functions_that_survived_gc_sections()
    {
        var kernels = _image.Map.Kernels();
        var nm = NmSymbols();
        Assert.Equal(["ep_dot_s8", "ep_requantize_s8"], kernels.Keys.Order(StringComparer.Ordinal));
        Assert.All(kernels, k => Assert.Equal(nm[k.Key].Size, k.Value));
        Assert.DoesNotContain("ep_unused_f32", nm.Keys);
    }

    [Fact]
    public void Text_that_is_not_a_link_map_is_refused_with_a_clear_message()
    {
        var e = Assert.Throws<EdgePruneException>(() => MapFile.Parse("text\tdata\tbss\n", "firmware.txt"));
        Assert.Contains("firmware.txt is not a GNU ld link map", e.Message);
        Assert.Contains("-Wl,-Map", e.Message);
    }
}
