using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using EdgePrune.Cli.Formatting;

namespace EdgePrune.Cli.Reports;

/// <summary>report.json: every number of the report, machine-readable (fields in docs/fit.md).</summary>
public static class FitReportJson
{
    public static string Write(FitReport report)
    {
        var r = report.Result;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("command", report.Command);
            json.WriteString("model", report.ModelPath);
            json.WriteString("device", r.Request.Device.Name);
            json.WriteString("status", report.Status);
            json.WriteString("reason", r.Reason);
            json.WriteString("metric", report.MetricWord);
            json.WriteNumber("eval_samples", r.Request.Eval.Shape[0]);
            json.WriteStartObject("budget");
            json.WriteNumber("flash_bytes", r.Request.Budget.FlashBytes);
            json.WriteNumber("ram_bytes", r.Request.Budget.RamBytes);
            json.WriteEndObject();
            Footprint(json, "before", r.Before);
            Footprint(json, "after", r.After);
            Footprint(json, "smallest", r.Smallest);
            if (r.FinalScore is { } final)
            {
                json.WriteNumber("original_score", Round(r.OriginalScore));
                json.WriteNumber("score_before_recovery", Round(r.ScoreBeforeRecovery ?? final));
                json.WriteNumber("final_score", Round(final));
                json.WriteNumber("drop_points", Math.Round(r.DropPoints, 4));
                if (report.OrtQdqScore is { } ort)
                {
                    json.WriteNumber("onnxruntime_qdq_score", Round(ort));
                }

                json.WriteString("recovery", r.Recovery);
            }

            if (r.Narrowing is { } narrowing)
            {
                json.WriteStartObject("structured");
                json.WriteNumber("fraction", Math.Round(narrowing.IsNarrowed ? narrowing.Fraction : 0, 4));
                GroupPruningJson.Write(json, narrowing.Groups);
                json.WriteEndObject();
            }

            json.WriteStartArray("suggestions");
            foreach (var s in r.Suggestions)
            {
                json.WriteStringValue(s);
            }

            json.WriteEndArray();
            json.WriteStartArray("candidates");
            foreach (var c in r.Candidates)
            {
                json.WriteStartObject();
                json.WriteNumber("index", c.Index);
                json.WriteString("stage", c.Stage);
                json.WriteString("recipe", c.Description);
                json.WriteNumber("flash_bytes", c.FlashBytes);
                json.WriteNumber("ram_bytes", c.RamBytes);
                json.WriteNumber("search_score", Round(c.Score));
                json.WriteBoolean("fits", c.Fits);
                json.WriteBoolean("chosen", c.Index == r.ChosenIndex);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("layers");
            foreach (var l in r.Layers)
            {
                json.WriteStartObject();
                json.WriteString("node", l.Layer.Node);
                json.WriteString("op", l.Layer.OpType);
                json.WriteString("weight", l.Layer.Weight);
                json.WriteNumber("parameters", l.Layer.Parameters);
                json.WriteNumber("nonzeros", l.NonZeros);
                json.WriteNumber("sparsity", Round(l.Sparsity));
                json.WriteString("option", l.Option.ToString());
                json.WriteNumber("bits", l.Option.Bits);
                json.WriteString("encoding", l.Encoding.ToLowerInvariant());
                json.WriteNumber("weight_bytes", l.WeightBytes);
                json.WriteNumber("macs", l.Layer.Macs);
                if (l.SensitivityLoss is { } loss)
                {
                    json.WriteNumber("sensitivity_loss", Round(loss));
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (r.Sensitivity is { } sensitivity)
            {
                json.WriteStartObject("sensitivity");
                json.WriteString("metric", Compression.Fitting.FitSearch.Word(sensitivity.Metric));
                json.WriteNumber("samples", sensitivity.Samples);
                json.WriteNumber("baseline", Round(sensitivity.Baseline));
                json.WriteBoolean("complete", sensitivity.Complete);
                json.WriteStartArray("layers");
                foreach (var layer in sensitivity.Layers)
                {
                    json.WriteStartObject();
                    json.WriteString("node", layer.Layer.Node);
                    json.WriteStartArray("entries");
                    foreach (var e in layer.Entries)
                    {
                        json.WriteStartObject();
                        json.WriteString("option", e.Option.ToString());
                        json.WriteString("pattern", e.Option.Pattern.ToString());
                        json.WriteNumber("sparsity", Round(e.Option.Sparsity));
                        json.WriteNumber("bits", e.Option.Bits);
                        json.WriteNumber("score", Round(e.Score));
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            if (r.Confusion is { } confusion)
            {
                json.WriteStartArray("confusion");
                for (int t = 0; t < report.Classes; t++)
                {
                    json.WriteStartArray();
                    for (int p = 0; p < report.Classes; p++)
                    {
                        json.WriteNumberValue(confusion[t, p]);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndArray();
            }

            json.WriteStartObject("seconds");
            foreach (var t in r.Timings)
            {
                json.WriteNumber(t.Stage, Math.Round(t.Seconds, 2));
            }

            json.WriteEndObject();
            json.WriteStartArray("files");
            foreach (var f in report.Files)
            {
                json.WriteStringValue(f);
            }

            json.WriteEndArray();
            json.WriteStartArray("commands");
            foreach (var c in report.Commands)
            {
                json.WriteStringValue(c);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    private static double Round(double value) => Math.Round(value, 6);

    private static void Footprint(Utf8JsonWriter json, string name, Compression.Fitting.Footprint? footprint)
    {
        if (footprint is null)
        {
            return;
        }

        json.WriteStartObject(name);
        json.WriteNumber("flash_bytes", footprint.FlashBytes);
        json.WriteNumber("ram_bytes", footprint.RamBytes);
        json.WriteNumber("runtime_code_bytes", footprint.RuntimeCodeBytes);
        json.WriteEndObject();
    }
}
