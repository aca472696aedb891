using EdgePrune.Runtime;
using EdgePrune.Runtime.Kernels;
using Xunit;

namespace EdgePrune.TestSupport.Firmware;

/// <summary>A run of the classify example on int8 samples, and the top class the .NET runtime gives each of them.</summary>
public sealed record ClassifyRun(FirmwareRun Run, FirmwareImage Image, int[] Expected);

/// <summary>
/// Runs the C export of an int8 <c>.epb</c> model in the classify firmware (firmware-export/targets/qemu-mps2-an386):
/// the float samples are quantized with the model's input scale and zero point, written as the contract's inputs.bin
/// and labels.bin, and the same codes go through <see cref="EpbModel.Run(ReadOnlySpan{sbyte}, Span{sbyte})"/>.
/// </summary>
public static class ClassifyFirmware
{
    /// <param name="embedEpb">The model directory holds an <c>--embed-epb</c> export (built with the .epb interpreter).</param>
    public static ClassifyRun RunInt8(EpbModel runtime, string modelDirectory, string prefix, IEnumerable<float[]> samples, byte[] labels, string workDirectory, bool embedEpb = false)
    {
        var input = runtime.Inputs[0];
        var codes = samples.Select(s => s.Select(v => Quantization.QuantizeOne(v, input.Scale, input.ZeroPoint)).ToArray()).ToArray();
        string runDirectory = Path.Combine(workDirectory, "run");
        Directory.CreateDirectory(runDirectory);
        File.WriteAllBytes(Path.Combine(runDirectory, "inputs.bin"), [.. codes.SelectMany(c => c).Select(v => (byte)v)]);
        File.WriteAllBytes(Path.Combine(runDirectory, "labels.bin"), labels);
        var image = QemuMps2An386.Build("classify", Path.Combine(workDirectory, "build"), modelDirectory, prefix, embedEpb: embedEpb);
        var run = QemuMps2An386.Run(image.Elf, runDirectory, TimeSpan.FromMinutes(3));
        Assert.True(run.ExitCode == 0, run.Output);

        var output = new sbyte[runtime.Outputs[0].ElementCount];
        var expected = codes.Select(c =>
        {
            runtime.Run(c, output);
            return Array.IndexOf(output, output.Max());
        }).ToArray();
        return new ClassifyRun(run, image, expected);
    }
}
