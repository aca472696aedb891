using EdgePrune.Compression.Quantization;
using EdgePrune.Compression.Sensitivity;
using EdgePrune.Core.Ir;
using EdgePrune.Core.Inspection;
using EdgePrune.Export.C;
using EdgePrune.Export.Epb;

namespace EdgePrune.Compression.Fitting;

public enum FitStatus
{
    /// <summary>A candidate fits the budgets and meets the floor.</summary>
    Fitted,

    /// <summary>Even the most compressed candidate exceeds a budget; no search was run.</summary>
    CannotFit,

    /// <summary>A candidate fits, but its score is below the floor.</summary>
    BelowFloor,
}

/// <summary>A model the search built and measured: its flash (exact .epb bytes + runtime code), its arena, its score on the search subset.</summary>
public sealed record FitCandidate(int Index, string Stage, CompressionRecipe Recipe, string Description, long FlashBytes, long RamBytes, double Score, bool Fits);

/// <summary>How the chosen model compresses one layer, as the written .epb stores it.</summary>
public sealed record FitLayer(PrunableLayer Layer, LayerOption Option, long NonZeros, string Encoding, long WeightBytes, double? SensitivityLoss)
{
    public double Sparsity => Layer.Parameters == 0 ? 0 : 1 - (double)NonZeros / Layer.Parameters;
}

/// <summary>Seconds spent in one stage.</summary>
public sealed record FitTiming(string Stage, double Seconds);

/// <summary>Flash and RAM a model takes on the device.</summary>
/// <param name="FlashBytes">The .epb's exact length plus <paramref name="RuntimeCodeBytes"/>.</param>
/// <param name="RamBytes">The .epb's activation arena.</param>
/// <param name="RuntimeCodeBytes">Code of the C runtime kernels the model's C export calls (<see cref="RuntimeCode"/>).</param>
public sealed record Footprint(long FlashBytes, long RamBytes, long RuntimeCodeBytes)
{
    /// <summary>What a written .epb takes: its bytes and arena, and the kernels of its C export (<see cref="CExporter.KernelsOf"/>).</summary>
    public static Footprint Of(EpbExport export)
    {
        long code = RuntimeCode.Bytes(CExporter.KernelsOf(export));
        return new Footprint(export.Report.TotalBytes + code, export.Report.ArenaBytes, code);
    }
}

/// <summary>What <see cref="FitSearch.Run"/> found; the model parts are set when <see cref="Status"/> is not <see cref="FitStatus.CannotFit"/>.</summary>
public sealed record FitResult
{
    public required FitStatus Status { get; init; }

    /// <summary>One line saying what happened and, when it failed, why.</summary>
    public required string Reason { get; init; }

    public required FitRequest Request { get; init; }

    /// <summary>The smallest footprint reachable (every layer at its most compressed option).</summary>
    public required Footprint Smallest { get; init; }

    /// <summary>What would make it fit: a bigger device, or a looser floor.</summary>
    public IReadOnlyList<string> Suggestions { get; init; } = [];

    public ScoreMetric Metric { get; init; }

    /// <summary>The original fp32 model's score on all evaluation samples.</summary>
    public double OriginalScore { get; init; }

    /// <summary>The original fp32 model as an .epb: the "before" of the budget bars.</summary>
    public Footprint? Before { get; init; }

    public SensitivityReport? Sensitivity { get; init; }

    public IReadOnlyList<FitCandidate> Candidates { get; init; } = [];

    /// <summary>The structured removal every candidate starts from (none unless the model could not fit without it).</summary>
    public Narrowing? Narrowing { get; init; }

    public int? ChosenIndex { get; init; }

    /// <summary>How the chosen candidate was recovered ("none" when it was not).</summary>
    public string Recovery { get; init; } = "none";

    /// <summary>The chosen candidate's score on all evaluation samples before recovery (integer executor).</summary>
    public double? ScoreBeforeRecovery { get; init; }

    /// <summary>The fitted model's score on all evaluation samples (integer executor).</summary>
    public double? FinalScore { get; init; }

    public int[]? Predictions { get; init; }

    public int[,]? Confusion { get; init; }

    /// <summary>The fitted model in fp32 (pruned, recovered), before quantization.</summary>
    public Graph? FinalGraph { get; init; }

    public QuantizedModel? Final { get; init; }

    public EpbExport? Epb { get; init; }

    /// <summary>The footprint of <see cref="Epb"/>.</summary>
    public Footprint? After { get; init; }

    public IReadOnlyList<FitLayer> Layers { get; init; } = [];

    public IReadOnlyList<FitTiming> Timings { get; init; } = [];

    public double DropPoints => FinalScore is { } f ? 100 * (OriginalScore - f) : double.NaN;
}
