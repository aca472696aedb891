using EdgePrune.Compression.Quantization;
using EdgePrune.Compression.Sensitivity;
using EdgePrune.Core;
using EdgePrune.Core.Devices;
using EdgePrune.Core.Ir;
using EdgePrune.Training;
using EdgePrune.Training.Data;

namespace EdgePrune.Compression.Fitting;

/// <summary>
/// The least score a fitted model may have: the original's score minus <see cref="MaxDropPoints"/> percentage points,
/// or <see cref="MinScore"/> when given (which wins). Without labels the score is agreement with the original (100 %).
/// </summary>
public sealed record FitFloor(double MaxDropPoints = 0.5, double? MinScore = null)
{
    public double Threshold(double original) => MinScore ?? original - MaxDropPoints / 100;

    public override string ToString() => MinScore is { } m ? $"score ≥ {m:P2}" : $"at most {MaxDropPoints:0.##} pt below the original";

    public void Validate()
    {
        if (!(MaxDropPoints >= 0 && MaxDropPoints <= 100))
        {
            throw new EdgePruneException($"--max-drop is in percentage points, between 0 and 100 (got {MaxDropPoints})");
        }

        if (MinScore is { } m && !(m >= 0 && m <= 1))
        {
            throw new EdgePruneException($"--min-accuracy is a fraction between 0 and 1, e.g. 0.97 (got {m})");
        }
    }
}

/// <summary>The model budgets a fit must meet: flash for the .epb plus the runtime's code (<see cref="Footprint"/>), RAM for the arena.</summary>
public sealed record FitBudget(long FlashBytes, long RamBytes)
{
    public static FitBudget Of(DeviceProfile device, long? flashOverride = null, long? ramOverride = null) =>
        new(flashOverride ?? device.ModelFlashBudgetBytes, ramOverride ?? device.ModelRamBudgetBytes);

    public bool Fits(Footprint footprint) => footprint.FlashBytes <= FlashBytes && footprint.RamBytes <= RamBytes;
}

/// <summary>Everything <see cref="FitSearch.Run"/> needs.</summary>
public sealed record FitRequest
{
    /// <summary>The fp32 model.</summary>
    public required Graph Model { get; init; }

    public required DeviceProfile Device { get; init; }

    public required FitBudget Budget { get; init; }

    /// <summary>[N, input dims…] float evaluation samples; the search scores candidates on the first <see cref="SearchSamples"/>.</summary>
    public required Tensor Eval { get; init; }

    /// <summary>Classes of <see cref="Eval"/>, or null to score agreement with the original model.</summary>
    public long[]? Labels { get; init; }

    /// <summary>[N, input dims…] float calibration samples.</summary>
    public required Tensor Calibration { get; init; }

    public CalibrationOptions CalibrationOptions { get; init; } = new();

    /// <summary>Data to recover the chosen candidate on: fine-tuning with labels, distillation from the original without. Null: no recovery.</summary>
    public Dataset? Train { get; init; }

    /// <summary>The recovery run (epochs, learning rate…); masks keep pruned weights at zero.</summary>
    public TrainingOptions Recovery { get; init; } = new() { Epochs = 3, LearningRate = 5e-4f };

    public FitFloor Floor { get; init; } = new();

    /// <summary>Wall time for the whole fit; when it runs out the search takes the most compressed candidate, and recovery stops early.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Evaluation samples the sensitivity sweep and the search score candidates on.</summary>
    public int SearchSamples { get; init; } = 500;

    public SensitivityOptions Sensitivity { get; init; } = new();

    /// <summary>
    /// Fractions of every group's channels/neurons the fit may remove (in this order, the first that makes the model
    /// fit is taken) when the model cannot fit without structured removal; empty: never.
    /// </summary>
    public IReadOnlyList<float> StructuredFractions { get; init; } = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f];

    /// <summary>Run the sensitivity sweep even when the dense int8 model fits (the sweep is then only for the report).</summary>
    public bool AlwaysSweep { get; init; }

    /// <summary>The source file's bytes, whose hash the .epb records.</summary>
    public byte[]? SourceBytes { get; init; }
}
