using System.Globalization;
using System.Text;
using EdgePrune.Core.Devices;
using EdgePrune.Core.Inspection;

namespace EdgePrune.Export.C;

/// <summary>
/// One layer's constants in the generated C: its weights in the encoding the .epb writer chose (same bytes), and the
/// parameters the C kernels read beside them (int8: per-channel multipliers and shifts and the folded int32 bias;
/// fp32: the bias). With an embedded .epb the int8 parameters are computed at load into the work buffer (RAM).
/// </summary>
public sealed record CLayerSize(int Node, string Layer, string Tensor, string DataType, string Encoding, long WeightBytes, long DenseBytes, long ParameterBytes);

/// <summary>A device's model budgets (devices/*.json) and whether the export fits them.</summary>
public sealed record CBudgetCheck(string Device, long FlashBudgetBytes, long RamBudgetBytes, bool FlashFits, bool RamFits)
{
    public bool Fits => FlashFits && RamFits;
}

/// <summary>
/// What the generated model costs: flash for its constant arrays (every array, counted from what was emitted) and for
/// the runtime kernels its call sequence names (<see cref="RuntimeCode"/>, measured per kernel), and RAM for its static
/// arena (the .epb writer's plan). The budget check counts both flash terms.
/// </summary>
public sealed record CSizeReport(string Prefix, bool Int8, IReadOnlyList<CLayerSize> Layers, long ConstantBytes, long ArenaBytes, CBudgetCheck? Budget)
{
    public long WeightBytes => Layers.Sum(l => l.WeightBytes);

    /// <summary>The runtime functions the generated <c>NAME_invoke</c> calls.</summary>
    public IReadOnlySet<string> Kernels { get; init; } = new SortedSet<string>(StringComparer.Ordinal);

    /// <summary>Code bytes of <see cref="Kernels"/> and the helpers they call (<see cref="RuntimeCode.Bytes"/>).</summary>
    public long RuntimeCodeBytes { get; init; }

    /// <summary>Set for <c>--embed-epb</c>: the blob is the constants, the interpreter's code is part of the runtime code, its work buffer part of RAM.</summary>
    public CEmbeddedEpbSize? EmbeddedEpb { get; init; }

    /// <summary>RAM besides the caller's buffers: the arena, plus the interpreter's work buffer when the .epb is embedded.</summary>
    public long RamBytes => ArenaBytes + (EmbeddedEpb?.WorkBytes ?? 0);

    public static CBudgetCheck Check(DeviceProfile device, long constantBytes, long arenaBytes) =>
        new(device.Name, device.ModelFlashBudgetBytes, device.ModelRamBudgetBytes, constantBytes <= device.ModelFlashBudgetBytes, arenaBytes <= device.ModelRamBudgetBytes);

    /// <summary>The report as Markdown (the <c>NAME_size.md</c> the exporter writes).</summary>
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"# {Prefix}: C export size ({(Int8 ? "int8" : "fp32")})");
        text.AppendLine();
        if (EmbeddedEpb is { } e)
        {
            text.AppendLine(c, $"- flash, embedded .epb: {e.BlobBytes} bytes (weights {WeightBytes})");
            text.AppendLine(c, $"- flash, runtime code: {RuntimeCodeBytes} bytes, Cortex-M4 -Os: the .epb interpreter {e.InterpreterCodeBytes} and every kernel it can call {RuntimeCodeBytes - e.InterpreterCodeBytes} ({string.Join(", ", Kernels)})");
            text.AppendLine(c, $"- RAM: {RamBytes} bytes, static arena {ArenaBytes} and interpreter work buffer {e.WorkBytes} (32-bit target)");
        }
        else
        {
            text.AppendLine(c, $"- flash, constant arrays: {ConstantBytes} bytes (weights {WeightBytes}, other constants {ConstantBytes - WeightBytes})");
            text.AppendLine(c, $"- flash, runtime kernels: {RuntimeCodeBytes} bytes, Cortex-M4 -Os ({string.Join(", ", Kernels)})");
            text.AppendLine(c, $"- RAM, static arena: {ArenaBytes} bytes");
        }

        if (Budget is { } b)
        {
            text.AppendLine(c, $"- device {b.Device}: model flash budget {b.FlashBudgetBytes} bytes ({(b.FlashFits ? "fits" : "DOES NOT FIT")}), model RAM budget {b.RamBudgetBytes} bytes ({(b.RamFits ? "fits" : "DOES NOT FIT")})");
        }

        text.AppendLine(EmbeddedEpb is null
            ? "- not included: the generated invoke function, C library calls (memcpy…) and the caller's input/output buffers"
            : "- not included: the generated init and invoke functions and their ep_epb_model, libgcc's soft-float double routines the load step calls, C library calls (memcpy…) and the caller's input/output buffers (docs/c-export.md)");
        text.AppendLine();
        text.AppendLine(EmbeddedEpb is null
            ? "| node | layer | tensor | type | encoding | weight bytes | dense bytes | parameter bytes |"
            : "| node | layer | tensor | type | encoding | weight bytes | dense bytes | parameter bytes (work buffer, RAM) |");
        text.AppendLine("| ---: | --- | --- | --- | --- | ---: | ---: | ---: |");
        foreach (var l in Layers)
        {
            text.AppendLine(c, $"| {l.Node} | {l.Layer} | {l.Tensor} | {l.DataType} | {l.Encoding} | {l.WeightBytes} | {l.DenseBytes} | {l.ParameterBytes} |");
        }

        return text.ToString();
    }
}

/// <summary>
/// The parts of an embedded-.epb export: the blob (flash), the interpreter's own code (flash, Cortex-M4 -Os, without the
/// soft-float double routines its load step calls) and its work buffer (RAM, sized for a 32-bit target).
/// </summary>
public sealed record CEmbeddedEpbSize(long BlobBytes, long InterpreterCodeBytes, long WorkBytes);

/// <summary>The generated files and their size report.</summary>
public sealed record CExport(string HeaderFileName, string Header, string SourceFileName, string Source, CSizeReport Report);

/// <summary>Inputs of the C generator beyond the graph.</summary>
public sealed class CExportOptions
{
    /// <summary>Prefix of file names, the invoke function (lower case as given) and macros (upper case).</summary>
    public string Prefix { get; init; } = "model";

    /// <summary>What the .epb writer is given: quantization, sparse encodings allowed, source model bytes.</summary>
    public Epb.EpbWriteOptions Epb { get; init; } = new();

    /// <summary>When set, the report checks the export against this device's model budgets.</summary>
    public DeviceProfile? Device { get; init; }
}
