using BenchmarkDotNet.Running;

// Run with: dotnet run -c Release --project bench/EdgePrune.Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
