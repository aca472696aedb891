namespace EdgePrune.Simulation.Gestures;

/// <summary>The gesture classes of the generated traces; <see cref="Idle"/> is the background class.</summary>
public enum GestureKind
{
    Idle,
    Shake,
    Circle,
    Tap,
    Tilt,
}

public static class GestureLabels
{
    /// <summary>Class names in label order, as they appear in the traces' label column.</summary>
    public static IReadOnlyList<string> All { get; } = Enum.GetValues<GestureKind>().Select(Name).ToArray();

    public static string Name(GestureKind kind) => kind.ToString().ToLowerInvariant();
}
