using System.Diagnostics;
using EdgePrune.Core.Onnx;
using EdgePrune.Device.Models;
using EdgePrune.Export.Epb;
using EdgePrune.Sensors.Actions;
using Microsoft.Extensions.Logging;

namespace EdgePrune.Device.Tests;

public sealed class HotReloadTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("edgeprune-reload-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_good_model_dropped_in_place_is_swapped_in_while_running_without_a_missed_window()
    {
        string model = Path.Combine(_folder, "model.epb");
        File.Copy(SimulatedPi.Model, model);
        var pi = SimulatedPi.Create("generator:9300:60", model);
        var classifier = pi.Run.Parts.Classifier;
        var original = classifier.Current;
        long swappedAt = -1;
        try
        {
            await pi.RunAsync(record =>
            {
                if (record is not WindowRecord window)
                {
                    return;
                }

                if (window.Window == 100)
                {
                    // The same network kept in fp32 (a different file the validator must accept), renamed over the model as
                    // a deployment tool would, while sampling goes on.
                    ReplaceAtomically(model, Fp32Variant());
                }

                if (window.Window >= 100 && swappedAt < 0)
                {
                    // Slow the simulated run towards real time's pace so the watcher (real time) acts mid-run; on a
                    // loaded machine, hold the run at window 500 until it has (windows still may not be skipped).
                    var waited = Stopwatch.StartNew();
                    do
                    {
                        Thread.Sleep(5);
                    }
                    while (window.Window == 500 && classifier.Swaps == 0 && waited.Elapsed < TimeSpan.FromSeconds(30));

                    swappedAt = classifier.Swaps == 1 ? window.Window : -1;
                }
            });
        }
        finally
        {
            await pi.DisposeAsync();
        }

        Assert.Equal(1, classifier.Swaps);
        Assert.Equal(1, pi.Run.Watcher!.Reloaded);
        Assert.NotSame(original, classifier.Current);
        Assert.InRange(swappedAt, 101, 500);
        // Windows are numbered by the windower: 0, 1, 2, ... with none missing across the swap, and as many as 60 s give.
        var indices = pi.Records.OfType<WindowRecord>().Select(w => w.Window).ToList();
        Assert.Equal(Enumerable.Range(0, (6000 - 50) / 10 + 1).Select(i => (long)i), indices);
        Assert.Contains(pi.Logger.Entries, e => e.Message.Contains("model reloaded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_corrupted_model_is_refused_with_one_warning_and_the_old_model_keeps_every_window()
    {
        string model = Path.Combine(_folder, "model.epb");
        File.Copy(SimulatedPi.Model, model);
        var pi = SimulatedPi.Create("generator:9301:30", model);
        var classifier = pi.Run.Parts.Classifier;
        var original = classifier.Current;
        var watcher = pi.Run.Watcher!;
        try
        {
            await pi.RunAsync(record =>
            {
                if (record is WindowRecord { Window: 50 })
                {
                    byte[] corrupted = File.ReadAllBytes(SimulatedPi.Model);
                    corrupted[corrupted.Length / 2] ^= 0x5A;
                    ReplaceAtomically(model, corrupted);
                    var clock = Stopwatch.StartNew();
                    while (watcher.Refused == 0 && clock.Elapsed < TimeSpan.FromSeconds(20))
                    {
                        Thread.Sleep(10);
                    }
                }
            });
        }
        finally
        {
            await pi.DisposeAsync();
        }

        Assert.Equal(1, watcher.Refused);
        Assert.Equal(0, classifier.Swaps);
        Assert.Same(original, classifier.Current);
        var refusal = Assert.Single(pi.Logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("refused", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("CRC", refusal.Message, StringComparison.OrdinalIgnoreCase);
        var indices = pi.Records.OfType<WindowRecord>().Select(w => w.Window).ToList();
        Assert.Equal(Enumerable.Range(0, (3000 - 50) / 10 + 1).Select(i => (long)i), indices);
    }

    /// <summary>gesture.onnx written as an fp32 .epb with the same labels and window spec.</summary>
    private static byte[] Fp32Variant()
    {
        var onnx = OnnxImporter.Load(File.ReadAllBytes(RepositoryPaths.SampleModel("gesture.onnx")), "gesture.onnx");
        var spec = WindowSpec.FromJson(onnx.Metadata[WindowSpec.MetadataKey], "gesture.onnx");
        return EpbWriter.Write(onnx.Graph, new EpbWriteOptions { Labels = onnx.Metadata["edgeprune.labels"].Split(','), Producer = spec.ToProducer("fp32 variant") }).Bytes;
    }

    private static void ReplaceAtomically(string path, byte[] bytes)
    {
        string temporary = path + ".new";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
