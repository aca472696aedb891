using EdgePrune.Device.Configuration;
using EdgePrune.Sensors.Actions;

namespace EdgePrune.Device.Tests;

public class EngineTests
{
    [Fact]
    public async Task Onnxruntime_engine_runs_beside_the_epb_runtime_and_the_status_line_reports_agreement_and_both_latencies()
    {
        var pi = SimulatedPi.Create("generator:9101:60", engine: Engine.OnnxRuntime);
        try
        {
            await pi.RunAsync();
        }
        finally
        {
            await pi.DisposeAsync();
        }

        var sideBySide = pi.Run.Parts.SideBySide!;
        int windows = pi.Records.OfType<WindowRecord>().Count();
        Assert.Equal(windows, (int)sideBySide.OnnxLatency.Count);
        Assert.Equal(windows, (int)sideBySide.EpbLatency.Count);
        // ONNX Runtime on the pruned fp32 ONNX file is the oracle; the int8 .epb must choose the same class almost always.
        Assert.True(sideBySide.Agreement >= 0.97, $"agreement {sideBySide.Agreement:P2}");
        var status = pi.Logger.Entries.Where(e => e.Message.StartsWith("status", StringComparison.Ordinal)).ToList();
        Assert.True(status.Count >= 6, $"{status.Count} status lines for 60 s at one per 10 s");
        Assert.All(status.Skip(1), s => Assert.Matches(@"onnxruntime p50 [0-9.]+ ms p99 [0-9.]+ ms, edgeprune p50 [0-9.]+ ms p99 [0-9.]+ ms, agreement [0-9.]+ ?%", s.Message));
        Assert.Contains("samples/s", status[^1].Message, StringComparison.Ordinal);
    }
}
