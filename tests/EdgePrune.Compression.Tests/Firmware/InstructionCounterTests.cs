using EdgePrune.TestSupport.Firmware;
using Xunit.Abstractions;

namespace EdgePrune.Compression.Tests.Firmware;

/// <summary>
/// The oracle for every instruction count the firmware reports: hand-counted Thumb-2 loops
/// (firmware-export/targets/qemu-mps2-an386/examples/icount/loops.S) measured under qemu -icount shift=6.
/// </summary>
public sealed class InstructionCounterTests : IClassFixture<InstructionCounterTests.IcountFirmware>
{
    private readonly FirmwareRun _run;
    private readonly ITestOutputHelper _output;

    public InstructionCounterTests(IcountFirmware firmware, ITestOutputHelper output)
    {
        _run = firmware.Run;
        _output = output;
    }

    /// <summary>Builds and runs the icount example once for the class.</summary>
    public sealed class IcountFirmware : IDisposable
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("edgeprune-icount-").FullName;

        public IcountFirmware()
        {
            var image = QemuMps2An386.Build("icount", Path.Combine(_directory, "build"));
            Run = QemuMps2An386.Run(image.Elf, _directory, TimeSpan.FromSeconds(60));
        }

        public FirmwareRun Run { get; }

        public void Dispose() => Directory.Delete(_directory, recursive: true);
    }

    // SysTick runs from the 25 MHz processor clock (40 ns per tick) and -icount shift=6 gives each instruction 64 ns.
    private const double TicksPerInstruction = 64.0 / 40.0;

    // The wrap interrupt handler of counter.c: ldr, ldr, adds, str, bx lr (arm-none-eabi-objdump of systick_handler).
    private const int WrapHandlerInstructions = 5;

    private const long TicksPerWrap = 1L << 24;

    private long Line(string key, long n)
    {
        string line = Assert.Single(_run.Lines, l => l.StartsWith($"{key} {n} ", StringComparison.Ordinal));
        return long.Parse(line.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void SysTick_advances_1_6_ticks_per_hand_counted_instruction()
    {
        Assert.Equal(0, _run.ExitCode);
        foreach (long n in new long[] { 1, 2, 3, 4, 5, 1000, 1001, 1002, 100_000, 1_000_000 })
        {
            // From the first counter read to the second: mov, then n iterations of subs/add/bne.
            long instructions = (3 * n) + 2;
            long ticks = Line("asm_ticks", n);
            _output.WriteLine($"n={n}: {instructions} instructions, {ticks} ticks");

            // The counter shows whole ticks, so the reading is 1.6 × instructions rounded down or up.
            Assert.InRange(ticks, (long)Math.Floor(instructions * TicksPerInstruction), (long)Math.Ceiling(instructions * TicksPerInstruction));
        }
    }

    [Fact]
    public void Measured_instructions_equal_the_hand_count_exactly()
    {
        long overhead = Line("measured_instructions", 0);
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(overhead, Line("empty_instructions", i)));
        _output.WriteLine($"an empty measurement costs {overhead} instructions");
        foreach (long n in new long[] { 1, 2, 3, 4, 5, 7, 1000, 1001, 1002, 100_000 })
        {
            // mov, then n iterations of subs/add/bne (loops.S, icount_measure).
            Assert.Equal((3 * n) + 1, Line("measured_instructions", n) - overhead);
        }
    }

    [Fact]
    public void Measurements_across_counter_wraps_add_only_the_wrap_handler()
    {
        const long n = 10_000_000;
        long overhead = Line("measured_instructions", 0);
        long loop = (3 * n) + 1;
        long extra = Line("measured_instructions", n) - overhead - loop;

        // 30 M instructions are 48 M ticks: two or three wraps of the 24-bit counter, depending on where it stood.
        long minWraps = (long)Math.Floor(loop * TicksPerInstruction / TicksPerWrap);
        _output.WriteLine($"{extra} instructions beyond the loop ({extra / (double)WrapHandlerInstructions} wrap handler runs)");
        Assert.Contains(extra, new[] { minWraps * WrapHandlerInstructions, (minWraps + 1) * WrapHandlerInstructions });
    }
}
