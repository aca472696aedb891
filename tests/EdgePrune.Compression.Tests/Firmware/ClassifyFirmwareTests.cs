using System.Globalization;
using System.Text;
using EdgePrune.TestSupport.Firmware;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Firmware;

/// <summary>
/// The classify example's plumbing (semihosting input, prediction lines, accuracy, counters, exit status) with
/// hand-written 4→3 linear models that follow the C export contract, their outputs computed by hand here.
/// </summary>
public sealed class ClassifyFirmwareTests : IClassFixture<ClassifyFirmwareTests.Firmwares>
{
    private const int Inputs = 4;
    private const int Classes = 3;

    // Row j holds the weights of output j; small integers so the int8 accumulators and the float sums are exact.
    private static readonly int[,] Weights = { { 3, -2, 5, 1 }, { -4, 6, 0, 2 }, { 1, 1, -3, 7 } };
    private static readonly int[] Bias = [40, -25, 10];

    private const int Int8Shift = 4;
    private const int Int8OutputZeroPoint = -3;
    private const int ArenaBytes = 12;

    private readonly Firmwares _firmwares;
    private readonly ITestOutputHelper _output;

    public ClassifyFirmwareTests(Firmwares firmwares, ITestOutputHelper output)
    {
        _firmwares = firmwares;
        _output = output;
    }

    /// <summary>Builds the classify example once per model kind for the class.</summary>
    public sealed class Firmwares : IDisposable
    {
        public Firmwares()
        {
            Int8 = Build("int8", Int8Model());
            Float = Build("fp32", FloatModel());
            Counted = Build("counted", CountedModel());
        }

        public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("edgeprune-classify-").FullName;

        public FirmwareImage Int8 { get; }

        public FirmwareImage Float { get; }

        public FirmwareImage Counted { get; }

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

        private FirmwareImage Build(string kind, (string Header, string Source) model)
        {
            string modelDirectory = Path.Combine(Directory, kind, "model");
            System.IO.Directory.CreateDirectory(modelDirectory);
            File.WriteAllText(Path.Combine(modelDirectory, "tiny_model.h"), model.Header);
            File.WriteAllText(Path.Combine(modelDirectory, "tiny_model.c"), model.Source);
            return QemuMps2An386.Build("classify", Path.Combine(Directory, kind, "build"), modelDirectory, prefix: "tiny");
        }
    }

    private static string WeightRows(string type) => string.Join(", ", Enumerable.Range(0, Classes)
        .Select(j => "{ " + string.Join(", ", Enumerable.Range(0, Inputs).Select(i => type == "float" ? $"{Weights[j, i]}.0f" : $"{Weights[j, i]}")) + " }"));

    private static (string Header, string Source) Int8Model() => (
        $$"""
        #include <stdint.h>
        #define TINY_INPUT_SIZE {{Inputs}}
        #define TINY_OUTPUT_SIZE {{Classes}}
        #define TINY_ARENA_BYTES {{ArenaBytes}}
        #define TINY_IS_INT8 1
        #define TINY_INPUT_SCALE 0.0625f
        #define TINY_INPUT_ZERO_POINT 0
        #define TINY_OUTPUT_SCALE 1.0f
        #define TINY_OUTPUT_ZERO_POINT ({{Int8OutputZeroPoint}})
        int tiny_invoke(const int8_t *input, int8_t *output);
        """,
        $$"""
        #include "tiny_model.h"
        static const int8_t weights[{{Classes}}][{{Inputs}}] = { {{WeightRows("int8")}} };
        static const int32_t bias[{{Classes}}] = { {{string.Join(", ", Bias)}} };
        static int32_t arena[TINY_ARENA_BYTES / 4];
        int tiny_invoke(const int8_t *input, int8_t *output)
        {
            int i, j;
            for (j = 0; j < TINY_OUTPUT_SIZE; ++j) {
                int32_t acc = bias[j];
                for (i = 0; i < TINY_INPUT_SIZE; ++i) {
                    acc += (int32_t)weights[j][i] * input[i];
                }
                arena[j] = acc;
            }
            for (j = 0; j < TINY_OUTPUT_SIZE; ++j) {
                int32_t v = (arena[j] >> {{Int8Shift}}) + TINY_OUTPUT_ZERO_POINT;
                output[j] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
            }
            return 0;
        }
        """);

    private static (string Header, string Source) FloatModel() => (
        $$"""
        #define TINY_INPUT_SIZE {{Inputs}}
        #define TINY_OUTPUT_SIZE {{Classes}}
        #define TINY_ARENA_BYTES 0
        #define TINY_IS_INT8 0
        int tiny_invoke(const float *input, float *output);
        """,
        $$"""
        #include "tiny_model.h"
        static const float weights[{{Classes}}][{{Inputs}}] = { {{WeightRows("float")}} };
        static const float bias[{{Classes}}] = { {{string.Join(", ", Bias.Select(b => $"{b}.0f"))}} };
        int tiny_invoke(const float *input, float *output)
        {
            int i, j;
            for (j = 0; j < TINY_OUTPUT_SIZE; ++j) {
                float acc = bias[j];
                for (i = 0; i < TINY_INPUT_SIZE; ++i) {
                    acc += weights[j][i] * input[i];
                }
                output[j] = acc;
            }
            return 0;
        }
        """);

    // A model whose invoke is hand-written Thumb-2 (naked: no prologue or epilogue from the compiler) executing
    // ldrb, adds, (b + 1) × (subs, bne), movs, bx: 2b + 6 instructions for input[0] = b (as a byte).
    private static (string Header, string Source) CountedModel() => (
        """
        #include <stdint.h>
        #define TINY_INPUT_SIZE 1
        #define TINY_OUTPUT_SIZE 2
        #define TINY_ARENA_BYTES 0
        #define TINY_IS_INT8 1
        int tiny_invoke(const int8_t *input, int8_t *output);
        """,
        """
        #include "tiny_model.h"
        __attribute__((naked)) int tiny_invoke(const int8_t *input __attribute__((unused)), int8_t *output __attribute__((unused)))
        {
            __asm__ volatile(
                "ldrb r2, [r0]\n"
                "adds r2, r2, #1\n"
                "1: subs r2, r2, #1\n"
                "bne 1b\n"
                "movs r0, #0\n"
                "bx lr\n");
        }
        """);

    private static int ArgMax(IReadOnlyList<long> v)
    {
        int best = 0;
        for (int k = 1; k < v.Count; k++)
        {
            if (v[k] > v[best])
            {
                best = k;
            }
        }

        return best;
    }

    private static long Dot(int j, IReadOnlyList<int> x) => Bias[j] + Enumerable.Range(0, Inputs).Sum(i => (long)Weights[j, i] * x[i]);

    private static int Int8Class(IReadOnlyList<int> x) =>
        ArgMax([.. Enumerable.Range(0, Classes).Select(j => Math.Clamp((Dot(j, x) >> Int8Shift) + Int8OutputZeroPoint, -128, 127))]);

    private string RunDirectory(string name)
    {
        string directory = Path.Combine(_firmwares.Directory, "runs", name);
        Directory.CreateDirectory(directory);
        return directory;
    }

    [Fact]
    public void Int8_predictions_accuracy_and_arena_match_the_hand_computed_linear_layer()
    {
        var random = new Random(7);
        const int samples = 60;
        int[][] x = [.. Enumerable.Range(0, samples).Select(_ => Enumerable.Range(0, Inputs).Select(_ => random.Next(-128, 128)).ToArray())];
        byte[] labels = [.. Enumerable.Range(0, samples).Select(_ => (byte)random.Next(Classes))];
        string directory = RunDirectory("int8");
        File.WriteAllBytes(Path.Combine(directory, "inputs.bin"), [.. x.SelectMany(s => s.Select(v => (byte)(sbyte)v))]);
        File.WriteAllBytes(Path.Combine(directory, "labels.bin"), labels);

        var run = QemuMps2An386.Run(_firmwares.Int8.Elf, directory, TimeSpan.FromSeconds(30));
        _output.WriteLine(string.Join('\n', run.Lines.Where(l => !l.StartsWith("pred ", StringComparison.Ordinal))));

        Assert.Equal(0, run.ExitCode);
        int[] expected = [.. x.Select(Int8Class)];
        Assert.Equal(expected, run.Predictions());
        Assert.Equal(samples, run.Value("samples"));
        int correct = expected.Where((c, i) => c == labels[i]).Count();
        Assert.Equal(correct, run.Value("correct"));
        Assert.Contains($"accuracy {(correct * 100.0 / samples).ToString("F2", CultureInfo.InvariantCulture)} %", run.Lines);
        Assert.Equal(ArenaBytes, run.Value("arena_bytes"));
        AssertCounters(run);
    }

    [Fact]
    public void Float_predictions_match_the_hand_computed_linear_layer()
    {
        var random = new Random(8);
        const int samples = 40;

        // Quarters in [-8, 8): every product and sum is exact in float, so the hand computation is exact too.
        int[][] quarters = [.. Enumerable.Range(0, samples).Select(_ => Enumerable.Range(0, Inputs).Select(_ => random.Next(-32, 32)).ToArray())];
        byte[] labels = [.. Enumerable.Range(0, samples).Select(_ => (byte)random.Next(Classes))];
        string directory = RunDirectory("fp32");
        File.WriteAllBytes(Path.Combine(directory, "inputs.bin"), [.. quarters.SelectMany(s => s.SelectMany(q => BitConverter.GetBytes(q / 4f)))]);
        File.WriteAllBytes(Path.Combine(directory, "labels.bin"), labels);

        var run = QemuMps2An386.Run(_firmwares.Float.Elf, directory, TimeSpan.FromSeconds(30));

        Assert.Equal(0, run.ExitCode);

        // In quarters: 4 × (bias + w·x) = 4 × bias + w·q, the same ordering of outputs.
        int[] expected = [.. quarters.Select(q => ArgMax([.. Enumerable.Range(0, Classes).Select(j => (4L * Bias[j]) + Enumerable.Range(0, Inputs).Sum(i => (long)Weights[j, i] * q[i]))]))];
        Assert.Equal(expected, run.Predictions());
        Assert.Equal(expected.Where((c, i) => c == labels[i]).Count(), run.Value("correct"));
        Assert.Equal(0, run.Value("arena_bytes"));
        AssertCounters(run);
    }

    private void AssertCounters(FirmwareRun run)
    {
        long[] instructions = run.Values("instructions_per_inference");
        _output.WriteLine($"instructions per inference mean/min/max {string.Join('/', instructions)}, stack {run.Value("stack_bytes")} bytes");
        Assert.InRange(instructions[1], 1, instructions[0]);
        Assert.InRange(instructions[2], instructions[0], 10_000);
        Assert.InRange(run.Value("stack_bytes"), 1, 256);
    }

    [Fact]
    public void Reported_instructions_are_the_hand_counted_invoke_beyond_an_empty_function()
    {
        byte[] inputs = [0, 1, 2, 9, 200, 255, 17];
        string directory = RunDirectory("counted");
        File.WriteAllBytes(Path.Combine(directory, "inputs.bin"), inputs);
        File.WriteAllBytes(Path.Combine(directory, "labels.bin"), new byte[inputs.Length]);

        var run = QemuMps2An386.Run(_firmwares.Counted.Elf, directory, TimeSpan.FromSeconds(30));

        Assert.Equal(0, run.ExitCode);

        // 2b + 6 for the body, minus the 2 of the empty function (movs r0, #0; bx lr) measured as the overhead.
        long[] counts = [.. inputs.Select(b => (2L * b) + 6 - 2)];
        long total = counts.Sum();
        _output.WriteLine($"invoke of 2b + 6 instructions, b = {string.Join(", ", inputs)}: reported mean/min/max {string.Join('/', run.Values("instructions_per_inference"))}, hand count {string.Join(", ", counts)}");
        Assert.Equal([(total + (counts.Length / 2)) / counts.Length, counts.Min(), counts.Max()], run.Values("instructions_per_inference"));
        Assert.Equal(0, run.Value("stack_bytes"));
    }

    [Fact]
    public void Missing_or_inconsistent_input_files_end_qemu_with_the_firmware_exit_status()
    {
        var missing = QemuMps2An386.Run(_firmwares.Int8.Elf, RunDirectory("missing"), TimeSpan.FromSeconds(30));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains(missing.Lines, l => l.StartsWith("error: cannot open inputs.bin", StringComparison.Ordinal));

        string directory = RunDirectory("short-labels");
        File.WriteAllBytes(Path.Combine(directory, "inputs.bin"), new byte[Inputs * 5]);
        File.WriteAllBytes(Path.Combine(directory, "labels.bin"), new byte[4]);
        var inconsistent = QemuMps2An386.Run(_firmwares.Int8.Elf, directory, TimeSpan.FromSeconds(30));
        Assert.Equal(3, inconsistent.ExitCode);
        Assert.Contains(inconsistent.Lines, l => l.Contains("labels.bin must hold one byte per sample", StringComparison.Ordinal));
    }
}
