using System.Text.Json.Nodes;
using EdgePrune.Core.Devices;

namespace EdgePrune.Core.Tests.Devices;

public class DeviceProfileTests : IDisposable
{
    private const long KiB = 1024;
    private const long MiB = 1024 * KiB;
    private const long GiB = 1024 * MiB;

    private static readonly string[] ExpectedDevices =
    [
        "arduino-nano-33-ble-sense", "arduino-uno", "esp32-s3", "esp32-wroom-32", "qemu-mps2-an386", "raspberry-pi-4",
        "raspberry-pi-5", "raspberry-pi-pico", "raspberry-pi-zero-2w", "stm32f446re", "stm32f746ng",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("device-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_devices_folder_is_found_from_the_test_binary_and_holds_every_profile()
    {
        Assert.True(File.Exists(Path.Combine(DeviceProfiles.DefaultDirectory, "arduino-uno.json")), DeviceProfiles.DefaultDirectory);
        Assert.Equal(ExpectedDevices, DeviceProfiles.All().Select(p => p.Name));
        Assert.Equal(ExpectedDevices, DeviceProfiles.KnownNames());
    }

    [Fact]
    public void Every_profile_is_consistent()
    {
        foreach (DeviceProfile p in DeviceProfiles.All())
        {
            Assert.InRange(p.ModelFlashBudgetBytes, 1, p.FlashBytes);
            Assert.InRange(p.ModelRamBudgetBytes, 1, p.RamBytes);
            Assert.False(string.IsNullOrWhiteSpace(p.Source), $"{p.Name} cites no source");
            if (p.Kind == "mcu")
            {
                Assert.False(string.IsNullOrWhiteSpace(p.Toolchain), $"{p.Name} has no toolchain");
                Assert.NotEmpty(p.CompilerFlags);
                Assert.Null(p.DotnetRid);
            }
            else
            {
                Assert.Equal("linux", p.Kind);
                Assert.Equal("linux-arm64", p.DotnetRid);
                Assert.Null(p.Toolchain);
                Assert.Equal(64, p.WordBits);
            }

            if (p.Core.StartsWith("cortex-m", StringComparison.Ordinal))
            {
                Assert.Equal("arm-none-eabi-gcc", p.Toolchain);
                Assert.Contains("-mthumb", p.CompilerFlags);
                Assert.Contains($"-mcpu={p.Core.TrimEnd('f')}", p.CompilerFlags);
                Assert.Equal(p.Fpu == "sp", p.CompilerFlags.Contains("-mfloat-abi=hard"));
            }
        }
    }

    // The budget rule of docs/devices.md, worked out by hand per board:
    // MCU flash = floor_KiB(75% of (flash - reserved)), MCU RAM = floor_KiB(50% of RAM) unless an exception is listed;
    // Linux boards: RAM / 8 for each.
    [Theory]
    [InlineData("arduino-uno", 32 * KiB, 2 * KiB, 23 * KiB, 1 * KiB)] // 0.75 x 31.5 KiB = 23.6 KiB (Optiboot reserves 0.5 KiB)
    [InlineData("arduino-nano-33-ble-sense", 1 * MiB, 256 * KiB, 720 * KiB, 128 * KiB)] // bootloader 64 KiB
    [InlineData("stm32f446re", 512 * KiB, 128 * KiB, 384 * KiB, 64 * KiB)]
    [InlineData("stm32f746ng", 1 * MiB, 320 * KiB, 768 * KiB, 160 * KiB)]
    [InlineData("esp32-wroom-32", 4 * MiB, 520 * KiB, 3024 * KiB, 128 * KiB)] // RAM: ESP-IDF static DRAM exception
    [InlineData("esp32-s3", 8 * MiB, 512 * KiB, 6096 * KiB, 256 * KiB)]
    [InlineData("raspberry-pi-pico", 2 * MiB, 264 * KiB, 1536 * KiB, 132 * KiB)]
    [InlineData("qemu-mps2-an386", 4 * MiB, 4 * MiB, 3 * MiB, 2 * MiB)]
    [InlineData("raspberry-pi-zero-2w", 16 * GiB, 512 * MiB, 64 * MiB, 64 * MiB)]
    [InlineData("raspberry-pi-4", 16 * GiB, 4 * GiB, 512 * MiB, 512 * MiB)]
    [InlineData("raspberry-pi-5", 16 * GiB, 4 * GiB, 512 * MiB, 512 * MiB)]
    public void Sizes_and_budgets_match_the_datasheets_and_the_documented_rule(string name, long flash, long ram, long flashBudget, long ramBudget)
    {
        DeviceProfile p = DeviceProfiles.Load(name);
        Assert.Equal((flash, ram, flashBudget, ramBudget), (p.FlashBytes, p.RamBytes, p.ModelFlashBudgetBytes, p.ModelRamBudgetBytes));
    }

    [Theory]
    [InlineData("arduino-uno", "avr", 16, 8, "none")]
    [InlineData("arduino-nano-33-ble-sense", "cortex-m4f", 64, 32, "sp")]
    [InlineData("stm32f446re", "cortex-m4f", 180, 32, "sp")]
    [InlineData("stm32f746ng", "cortex-m7", 216, 32, "sp")]
    [InlineData("esp32-wroom-32", "xtensa-lx6", 240, 32, "sp")]
    [InlineData("esp32-s3", "xtensa-lx7", 240, 32, "sp")]
    [InlineData("raspberry-pi-pico", "cortex-m0plus", 133, 32, "none")]
    [InlineData("raspberry-pi-zero-2w", "cortex-a53", 1000, 64, "dp")]
    [InlineData("raspberry-pi-4", "cortex-a72", 1500, 64, "dp")]
    [InlineData("raspberry-pi-5", "cortex-a76", 2400, 64, "dp")]
    [InlineData("qemu-mps2-an386", "cortex-m4f", 25, 32, "sp")]
    public void Cores_clocks_and_fpus_match_the_datasheets(string name, string core, int clockMHz, int wordBits, string fpu)
    {
        DeviceProfile p = DeviceProfiles.Load(name);
        Assert.Equal((core, clockMHz, wordBits, fpu), (p.Core, p.ClockMHz, p.WordBits, p.Fpu));
    }

    [Fact]
    public void Toolchains_and_emulators_are_the_expected_ones()
    {
        DeviceProfile uno = DeviceProfiles.Load("arduino-uno");
        Assert.Equal("avr-gcc", uno.Toolchain);
        Assert.Contains("-mmcu=atmega328p", uno.CompilerFlags);

        DeviceProfile f446 = DeviceProfiles.Load("stm32f446re");
        Assert.Equal(["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-Os"], f446.CompilerFlags);
        Assert.Contains("dsp", f446.Simd);

        DeviceProfile qemu = DeviceProfiles.Load("qemu-mps2-an386");
        Assert.Equal(("mps2-an386", "qemu-system-arm"), (qemu.QemuMachine, qemu.QemuSystem));

        Assert.Equal("xtensa-esp32-elf-gcc", DeviceProfiles.Load("esp32-wroom-32").Toolchain);
        Assert.Contains("neon", DeviceProfiles.Load("raspberry-pi-5").Simd);
    }

    [Fact]
    public void An_unknown_device_lists_the_known_ones()
    {
        var e = Assert.Throws<EdgePruneException>(() => DeviceProfiles.Load("arduino-mega"));
        Assert.Equal($"unknown device 'arduino-mega'; known devices: {string.Join(", ", ExpectedDevices)}", e.Message);
    }

    [Fact]
    public void A_missing_profile_path_is_a_clear_error()
    {
        string path = Path.Combine(_dir, "nope.json");
        Assert.Contains("does not exist", Assert.Throws<EdgePruneException>(() => DeviceProfiles.Load(path)).Message);
    }

    [Fact]
    public void A_profile_file_outside_the_devices_folder_loads_by_path()
    {
        string path = Write("my-board", Valid("my-board"));
        Assert.Equal(8 * KiB, DeviceProfiles.Load(path).RamBytes);
    }

    [Fact]
    public void Malformed_json_is_a_clear_error()
    {
        string path = Path.Combine(_dir, "broken.json");
        File.WriteAllText(path, "{ \"name\": \"broken\", ");
        var e = Assert.Throws<EdgePruneException>(() => DeviceProfiles.Load(path));
        Assert.StartsWith($"{path}: not a valid device profile", e.Message);
        Assert.Contains("docs/devices.md", e.Message);
    }

    [Theory]
    [InlineData("unknown field", "flash_kb", 12, "flash_kb")]
    [InlineData("negative flash", "flash_bytes", -1, "flash_bytes must be positive, not -1")]
    [InlineData("negative ram", "ram_bytes", -4096, "ram_bytes must be positive, not -4096")]
    [InlineData("flash budget over total", "model_flash_budget_bytes", 65537, "model_flash_budget_bytes must be positive and at most flash_bytes (65536)")]
    [InlineData("ram budget over total", "model_ram_budget_bytes", 8193, "model_ram_budget_bytes must be positive and at most ram_bytes (8192)")]
    [InlineData("zero clock", "clock_mhz", 0, "clock_mhz must be positive")]
    [InlineData("odd word size", "word_bits", 12, "word_bits must be 8, 16, 32 or 64")]
    public void Bad_numbers_and_unknown_fields_are_clear_errors(string caseName, string field, long value, string expected)
    {
        JsonObject json = Valid("board");
        json[field] = value;
        string path = Write("board", json);
        var e = Assert.Throws<EdgePruneException>(() => DeviceProfiles.Load(path));
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"{caseName}: {e.Message}");
        Assert.StartsWith(path, e.Message);
    }

    [Theory]
    [InlineData("toolchain", null, "an mcu profile needs a toolchain")]
    [InlineData("kind", "fpga", "kind must be \"mcu\" or \"linux\"")]
    [InlineData("fpu", "half", "fpu must be \"none\", \"sp\" or \"dp\"")]
    [InlineData("name", "other", "must match the file name")]
    [InlineData("qemu_system", "qemu-system-arm", "qemu_machine and qemu_system go together")]
    public void Inconsistent_profiles_are_clear_errors(string field, string? value, string expected)
    {
        JsonObject json = Valid("board");
        json[field] = value;
        var e = Assert.Throws<EdgePruneException>(() => DeviceProfiles.Load(Write("board", json)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_linux_profile_needs_a_dotnet_rid()
    {
        JsonObject json = Valid("pi");
        json["kind"] = "linux";
        json["toolchain"] = null;
        var e = Assert.Throws<EdgePruneException>(() => DeviceProfiles.Load(Write("pi", json)));
        Assert.Contains("a linux profile needs a dotnet_rid", e.Message);
    }

    [Fact]
    public void A_missing_required_field_is_named()
    {
        JsonObject json = Valid("board");
        json.Remove("ram_bytes");
        var e = Assert.Throws<EdgePruneException>(() => DeviceProfiles.Load(Write("board", json)));
        Assert.Contains("ram_bytes", e.Message);
    }

    private string Write(string name, JsonObject json)
    {
        string path = Path.Combine(_dir, name + ".json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    private static JsonObject Valid(string name) => new()
    {
        ["name"] = name,
        ["display_name"] = "Test board",
        ["kind"] = "mcu",
        ["flash_bytes"] = 65536,
        ["ram_bytes"] = 8192,
        ["model_flash_budget_bytes"] = 32768,
        ["model_ram_budget_bytes"] = 4096,
        ["core"] = "cortex-m0plus",
        ["clock_mhz"] = 48,
        ["word_bits"] = 32,
        ["fpu"] = "none",
        ["toolchain"] = "arm-none-eabi-gcc",
        ["compiler_flags"] = new JsonArray("-mcpu=cortex-m0plus", "-mthumb"),
    };
}
