using EdgePrune.Export.C;

namespace EdgePrune.Export.Tests;

/// <summary>
/// The runtime and a generated model compile warning-free (-std=c99 -Wall -Wextra -Werror -pedantic) with clang and
/// with the Cortex-M4 cross compiler at -Os, and the M4 build takes the DSP path (SMLAD dual MACs) in the dense int8
/// FullyConnected. The host gcc build is exercised by <see cref="HostGccAgreementTests"/>.
/// </summary>
public sealed class RuntimeCompileTests
{
    [Fact]
    public void Every_runtime_file_compiles_with_clang()
    {
        Assert.NotEmpty(CToolchain.RuntimeObjects("clang", "-O2"));
    }

    [Fact]
    public void Every_runtime_file_compiles_for_cortex_m4_and_the_dense_int8_fc_uses_smlad()
    {
        var objects = CToolchain.RuntimeObjects("arm-none-eabi-gcc", CToolchain.CortexM4);
        string fc = objects.Single(o => Path.GetFileName(o) == "fully_connected_s8.o");
        string disassembly = CToolchain.Run("arm-none-eabi-objdump", ["-d", fc]);
        Assert.Contains("smlad", disassembly, StringComparison.Ordinal);
        Assert.Contains("sxtb16", disassembly, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("int8-sparse90")]
    [InlineData("fp32-dense")]
    public void A_generated_model_compiles_for_cortex_m4_with_hard_float(string variant)
    {
        var (graph, options) = LeNetVariants.Build("lenet5.onnx", variant);
        var export = CExporter.Write(graph, new CExportOptions { Prefix = "lenet5", Epb = options });
        string dir = CToolchain.NewDirectory("arm-model");
        File.WriteAllText(Path.Combine(dir, export.HeaderFileName), export.Header);
        File.WriteAllText(Path.Combine(dir, export.SourceFileName), export.Source);
        CToolchain.Run("arm-none-eabi-gcc", [.. CToolchain.Strict.Split(' '), .. CToolchain.CortexM4, "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-I", CToolchain.RuntimeInclude, "-I", dir,
            "-c", Path.Combine(dir, export.SourceFileName), "-o", Path.Combine(dir, "model.o")]);
        Assert.True(new FileInfo(Path.Combine(dir, "model.o")).Length > 0);
    }
}
