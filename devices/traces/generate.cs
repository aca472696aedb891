// Regenerates the committed gesture traces in this folder (deterministic: same seeds, same bytes).
//   dotnet run devices/traces/generate.cs
#:project ../../src/EdgePrune.Simulation/EdgePrune.Simulation.csproj
#:property NoWarn=NU1603
using EdgePrune.Simulation.Gestures;

// File-based apps publish their own folder under this AppContext key (.NET 10).
string folder = AppContext.GetData("EntryPointFileDirectoryPath") as string
    ?? throw new InvalidOperationException("Run this file with 'dotnet run devices/traces/generate.cs'.");
(string Name, int Seed, double Seconds)[] traces =
[
    ("gestures-person-101.csv", 101, 30),
    ("gestures-person-202.csv", 202, 30),
    ("gestures-person-303.csv", 303, 30),
];
foreach (var (name, seed, seconds) in traces)
{
    var trace = GestureTraceGenerator.Generate(new GestureTraceOptions(seed, seconds));
    trace.Save(Path.Combine(folder, name));
    Console.WriteLine($"{name}: {trace.Count} rows, labels {string.Join(", ", trace.Labels!.Distinct())}");
}
