using System.Text.Json;
using System.Text.Json.Serialization;
using EdgePrune.Core.IO;

namespace EdgePrune.Core.Devices;

/// <summary>
/// A board EdgePrune targets: its memories, how much of them a model may use, and what its core can do.
/// One JSON file per board in <c>devices/</c>; the schema is documented in <c>docs/devices.md</c>.
/// </summary>
public sealed record DeviceProfile
{
    /// <summary>File name without extension, e.g. "arduino-uno".</summary>
    public required string Name { get; init; }

    /// <summary>Human name, e.g. "Arduino Uno Rev3 (ATmega328P)".</summary>
    public required string DisplayName { get; init; }

    /// <summary>"mcu" (bare metal, C export) or "linux" (runs the .NET runtime).</summary>
    public required string Kind { get; init; }

    /// <summary>Total program memory (flash) in bytes; for Linux boards, the storage a model file may occupy.</summary>
    public required long FlashBytes { get; init; }

    /// <summary>Total data memory (SRAM, or DRAM for Linux boards) in bytes.</summary>
    public required long RamBytes { get; init; }

    /// <summary>Bytes of flash a model (weights + runtime code) may use by default, leaving room for the application.</summary>
    public required long ModelFlashBudgetBytes { get; init; }

    /// <summary>Bytes of RAM a model (arena + runtime state) may use by default.</summary>
    public required long ModelRamBudgetBytes { get; init; }

    /// <summary>CPU core, e.g. "cortex-m4f", "cortex-a72", "avr".</summary>
    public required string Core { get; init; }

    /// <summary>Core clock in MHz (the maximum the datasheet rates the part for).</summary>
    [JsonPropertyName("clock_mhz")]
    public required int ClockMHz { get; init; }

    /// <summary>Native word size in bits (8 for AVR, 32 for Cortex-M, 64 for AArch64).</summary>
    public required int WordBits { get; init; }

    /// <summary>"none", "sp" (single precision) or "dp".</summary>
    public required string Fpu { get; init; }

    /// <summary>SIMD / DSP extensions, e.g. ["dsp"] for Cortex-M4, ["neon"] for Cortex-A.</summary>
    public IReadOnlyList<string> Simd { get; init; } = [];

    /// <summary>C compiler for MCU targets, e.g. "arm-none-eabi-gcc"; null for Linux boards.</summary>
    public string? Toolchain { get; init; }

    /// <summary>Compiler flags for the C runtime on this target.</summary>
    public IReadOnlyList<string> CompilerFlags { get; init; } = [];

    /// <summary>qemu machine that emulates the board (e.g. "mps2-an386"), when one exists.</summary>
    public string? QemuMachine { get; init; }

    /// <summary>The qemu system emulator that has <see cref="QemuMachine"/>, e.g. "qemu-system-arm"; set exactly when QemuMachine is.</summary>
    public string? QemuSystem { get; init; }

    /// <summary>.NET runtime identifier for Linux boards (e.g. "linux-arm64").</summary>
    public string? DotnetRid { get; init; }

    /// <summary>Where the numbers come from (datasheet title and section).</summary>
    public string? Source { get; init; }

    /// <summary>What a user should know that the numbers do not say (variants, reserved memory, why the budget is what it is).</summary>
    public string? Notes { get; init; }
}

/// <summary>Loads device profiles by name (from the <c>devices/</c> folder) or from a JSON file path.</summary>
public static class DeviceProfiles
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>
    /// The <c>devices/</c> folder: $EDGEPRUNE_DEVICES when set, else the nearest <c>devices</c> folder
    /// beside or above the running program (a source checkout), else beside it (an installed tool).
    /// </summary>
    public static string DefaultDirectory =>
        CheckoutFolder.Locate("EDGEPRUNE_DEVICES", "devices", folder => Directory.EnumerateFiles(folder, "*.json").Any());

    /// <summary>Loads a profile by name ("stm32f446re") from <see cref="DefaultDirectory"/>, or from a path to a .json file.</summary>
    public static DeviceProfile Load(string nameOrPath)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        bool isPath = nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            || nameOrPath.Contains('/') || nameOrPath.Contains(Path.DirectorySeparatorChar);
        string path = isPath ? nameOrPath : Path.Combine(DefaultDirectory, nameOrPath + ".json");
        if (!File.Exists(path))
        {
            throw new EdgePruneException(isPath
                ? $"device profile '{nameOrPath}' does not exist"
                : $"unknown device '{nameOrPath}'; known devices: {string.Join(", ", KnownNames())}");
        }

        return LoadFile(path);
    }

    /// <summary>The names of the profiles in <see cref="DefaultDirectory"/>, sorted, without loading them.</summary>
    public static IReadOnlyList<string> KnownNames()
    {
        string dir = DefaultDirectory;
        return Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*.json").Select(Path.GetFileNameWithoutExtension).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>Every profile in <see cref="DefaultDirectory"/>, by name.</summary>
    public static IReadOnlyList<DeviceProfile> All()
    {
        string dir = DefaultDirectory;
        return Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal).Select(LoadFile).ToList()
            : [];
    }

    private static DeviceProfile LoadFile(string path)
    {
        DeviceProfile? profile;
        try
        {
            profile = JsonSerializer.Deserialize<DeviceProfile>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new EdgePruneException($"{path}: not a valid device profile ({e.Message}); see docs/devices.md for the schema", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgePruneException($"{path}: cannot read the device profile ({e.Message})", e);
        }

        if (profile is null)
        {
            throw new EdgePruneException($"{path}: the device profile is empty");
        }

        List<string> problems = Check(profile, Path.GetFileNameWithoutExtension(path));
        if (problems.Count > 0)
        {
            throw new EdgePruneException($"{path}: invalid device profile: {string.Join("; ", problems)}; see docs/devices.md for the schema");
        }

        return profile;
    }

    private static List<string> Check(DeviceProfile p, string fileStem)
    {
        var problems = new List<string>();
        if (p.Name != fileStem)
        {
            problems.Add($"name \"{p.Name}\" must match the file name \"{fileStem}\"");
        }

        if (p.FlashBytes <= 0)
        {
            problems.Add($"flash_bytes must be positive, not {p.FlashBytes}");
        }

        if (p.RamBytes <= 0)
        {
            problems.Add($"ram_bytes must be positive, not {p.RamBytes}");
        }

        if (p.ModelFlashBudgetBytes <= 0 || p.ModelFlashBudgetBytes > p.FlashBytes)
        {
            problems.Add($"model_flash_budget_bytes must be positive and at most flash_bytes ({p.FlashBytes}), not {p.ModelFlashBudgetBytes}");
        }

        if (p.ModelRamBudgetBytes <= 0 || p.ModelRamBudgetBytes > p.RamBytes)
        {
            problems.Add($"model_ram_budget_bytes must be positive and at most ram_bytes ({p.RamBytes}), not {p.ModelRamBudgetBytes}");
        }

        if (p.ClockMHz <= 0)
        {
            problems.Add($"clock_mhz must be positive, not {p.ClockMHz}");
        }

        if (p.WordBits is not (8 or 16 or 32 or 64))
        {
            problems.Add($"word_bits must be 8, 16, 32 or 64, not {p.WordBits}");
        }

        if (p.Fpu is not ("none" or "sp" or "dp"))
        {
            problems.Add($"fpu must be \"none\", \"sp\" or \"dp\", not \"{p.Fpu}\"");
        }

        switch (p.Kind)
        {
            case "mcu" when string.IsNullOrWhiteSpace(p.Toolchain):
                problems.Add("an mcu profile needs a toolchain (the C compiler for the generated code)");
                break;
            case "linux" when string.IsNullOrWhiteSpace(p.DotnetRid):
                problems.Add("a linux profile needs a dotnet_rid (e.g. \"linux-arm64\")");
                break;
            case "mcu" or "linux":
                break;
            default:
                problems.Add($"kind must be \"mcu\" or \"linux\", not \"{p.Kind}\"");
                break;
        }

        if ((p.QemuMachine is null) != (p.QemuSystem is null))
        {
            problems.Add("qemu_machine and qemu_system go together: set both or neither");
        }

        return problems;
    }
}
