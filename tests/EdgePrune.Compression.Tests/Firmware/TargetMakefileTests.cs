using EdgePrune.TestSupport.Firmware;

namespace EdgePrune.Compression.Tests.Firmware;

/// <summary>The qemu target's Makefile, used by hand without the tests' explicit DEVICE_FLAGS, against the device profile.</summary>
public sealed class TargetMakefileTests
{
    [Fact]
    public void Makefile_default_flags_are_the_device_profile_compiler_flags()
    {
        string line = Assert.Single(File.ReadAllLines(Path.Combine(QemuMps2An386.TargetDirectory, "Makefile")), l => l.StartsWith("DEVICE_FLAGS ?=", StringComparison.Ordinal));
        Assert.Equal(QemuMps2An386.Profile.CompilerFlags, line["DEVICE_FLAGS ?=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
