using System.Globalization;
using EdgePrune.Compression.Fitting;

namespace EdgePrune.Cli.Reports;

/// <summary>
/// What the report pages show: a fit (or an assessment of a model as given) plus what the command measured around it
/// (ONNX Runtime's score of the QDQ file, the files written, the commands that reproduce them). The JSON, Markdown and
/// HTML writers read only this, so the three carry the same numbers.
/// </summary>
public sealed record FitReport(
    string Command,
    string ModelPath,
    FitResult Result,
    double? OrtQdqScore,
    IReadOnlyList<string> Files,
    IReadOnlyList<string> Commands)
{
    public static string Percent(double fraction) => (100 * fraction).ToString("0.00", CultureInfo.InvariantCulture) + " %";

    public static string Bytes(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture);

    public static string Points(double points) => points.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) + " pt";

    public string Status => Result.Status switch
    {
        FitStatus.Fitted => Command == "report" ? "fits" : "fitted",
        FitStatus.CannotFit => Command == "report" ? "does not fit" : "cannot fit",
        _ => "below floor",
    };

    public string MetricWord => FitSearch.Word(Result.Metric);

    /// <summary>The classes of the confusion matrix: 0 … n−1.</summary>
    public int Classes => Result.Confusion?.GetLength(0) ?? 0;

    /// <summary>Bars of the budget chart: what, bytes used before (original fp32 .epb) and after, and the budget.</summary>
    public IReadOnlyList<(string Name, long? Before, long? After, long Budget)> BudgetBars =>
    [
        ("flash", Result.Before?.FlashBytes, Result.After?.FlashBytes, Result.Request.Budget.FlashBytes),
        ("RAM", Result.Before?.RamBytes, Result.After?.RamBytes, Result.Request.Budget.RamBytes),
    ];
}
