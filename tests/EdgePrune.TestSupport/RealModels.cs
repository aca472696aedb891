using System.Reflection;

namespace EdgePrune.TestSupport;

/// <summary>Paths of real models that packages ship, for tests that must face graphs nobody here wrote.</summary>
public static class RealModels
{
    /// <summary>ResNet18.onnx from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 (a CNTK export, opset 8).</summary>
    public static string ResNet18 { get; } = Find("ResNet18Path");

    private static string Find(string key)
    {
        string? path = typeof(RealModels).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value;
        return path is not null && File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{key} not found at '{path}': run 'dotnet restore' (the package download provides it)");
    }
}
