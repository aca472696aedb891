using System.Globalization;
using System.Text;
using EdgePrune.Cli.Checking;
using EdgePrune.Core.Ir;

namespace EdgePrune.Cli.Formatting;

/// <summary>The human-readable form of a <see cref="CheckReport"/>.</summary>
public static class CheckText
{
    public static string Format(CheckReport report)
    {
        var text = new StringBuilder();
        text.AppendLine($"check: {report.Source} in EdgePrune's reference executor and in ONNX Runtime");
        string inputs = string.Join(", ", report.Inputs.Select(i => $"{i.Name} {i.Type}"));
        string origin = report.InputsFile is null
            ? string.Create(CultureInfo.InvariantCulture, $"seed {report.Seed}, float uniform in [-1, 1], symbolic dims as 1")
            : $"from {report.InputsFile}";
        text.AppendLine($"inputs ({origin}): {inputs}");
        var table = new TextTable(("output", false), ("shape", false), ("max |diff|", true), ("max rel diff", true), ("tolerance", true), ("result", false));
        foreach (var o in report.Outputs)
        {
            string shape = o.ReferenceShape.SequenceEqual(o.OnnxRuntimeShape)
                ? Tensor.FormatShape(o.ReferenceShape)
                : $"{Tensor.FormatShape(o.ReferenceShape)} vs ORT {Tensor.FormatShape(o.OnnxRuntimeShape)}";
            table.AddRow(o.Name, shape, Number(o.MaxAbsDiff), Number(o.MaxRelDiff), Number(o.Tolerance), o.Agrees ? "ok" : "DIFFERS");
        }

        text.Append(table);
        int differing = report.Outputs.Count(o => !o.Agrees);
        text.AppendLine(differing == 0
            ? $"all {report.Outputs.Count} output(s) agree with ONNX Runtime (tolerance: |diff| <= 1e-4 * max(1, output range))"
            : $"{differing} of {report.Outputs.Count} output(s) differ from ONNX Runtime beyond tolerance (|diff| <= 1e-4 * max(1, output range))");
        return text.ToString();
    }

    private static string Number(double value) => double.IsPositiveInfinity(value) ? "inf" : value.ToString("0.0e+00", CultureInfo.InvariantCulture);
}
