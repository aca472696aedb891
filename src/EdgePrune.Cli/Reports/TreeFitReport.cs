using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using EdgePrune.Compression.Fitting;
using EdgePrune.Compression.Trees;

namespace EdgePrune.Cli.Reports;

/// <summary>report.md and report.json of <c>edgeprune fit</c> for a tree model (fields in docs/fit.md, "Tree models").</summary>
public static class TreeFitReport
{
    public static string Markdown(string modelPath, TreeFitResult r, string reproduce)
    {
        var md = new StringBuilder();
        var device = r.Request.Device;
        md.AppendLine(CultureInfo.InvariantCulture, $"# EdgePrune fit: {Path.GetFileName(modelPath)} → {device.Name}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- **status**: {Status(r.Status)}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **result**: {r.Reason}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **flash budget**: {r.Request.FlashBudgetBytes:N0} bytes for the C node tables (node-array layout, float features)");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **accuracy floor**: {r.Threshold:P2} ({r.Request.Floor}), on {r.Request.Eval.Rows:N0} evaluation samples");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **pruning statistics**: {(r.Request.Statistics is null ? "the evaluation samples (so the accuracies are optimistic)" : $"{r.Request.Statistics.Rows:N0} training samples")}");
        foreach (var s in r.Suggestions)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- **instead**: {s}");
        }

        md.AppendLine();
        md.AppendLine("## Candidates");
        md.AppendLine();
        md.AppendLine("Every model the search sized, least pruned first (* = chosen).");
        md.AppendLine();
        md.AppendLine("| # | model | trees | nodes | table bytes | fits | accuracy |");
        md.AppendLine("| ---: | --- | ---: | ---: | ---: | --- | ---: |");
        foreach (var c in r.Candidates)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {c.Position}{(c == r.Chosen ? " *" : "")} | {c.Description} | {c.Trees} | {c.Nodes:N0} | {c.TableBytes:N0} | {(c.Fits ? "yes" : "no")} | {c.Accuracy:P2} |");
        }

        md.AppendLine();
        md.AppendLine("## Reproduce");
        md.AppendLine();
        md.AppendLine("```");
        md.AppendLine(reproduce);
        md.AppendLine("```");
        return md.ToString();
    }

    public static string Json(string modelPath, TreeFitResult r, string reproduce)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("command", "fit");
            json.WriteString("model", modelPath);
            json.WriteString("model_kind", "tree_ensemble");
            json.WriteString("device", r.Request.Device.Name);
            json.WriteString("status", Status(r.Status));
            json.WriteString("reason", r.Reason);
            json.WriteNumber("eval_samples", r.Request.Eval.Rows);
            json.WriteNumber("flash_budget_bytes", r.Request.FlashBudgetBytes);
            json.WriteNumber("original_accuracy", r.OriginalAccuracy);
            json.WriteNumber("original_table_bytes", r.OriginalBytes);
            json.WriteNumber("accuracy_floor", r.Threshold);
            if (r.Chosen is { } chosen)
            {
                json.WritePropertyName("chosen");
                Candidate(json, chosen);
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
                Candidate(json, c);
            }

            json.WriteEndArray();
            json.WriteString("reproduce", reproduce);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    private static void Candidate(Utf8JsonWriter json, TreeFitCandidate c)
    {
        json.WriteStartObject();
        json.WriteNumber("position", c.Position);
        json.WriteString("model", c.Description);
        json.WriteNumber("trees", c.Trees);
        json.WriteNumber("nodes", c.Nodes);
        if (c.Alpha is { } alpha)
        {
            json.WriteNumber("alpha", alpha);
        }

        json.WriteNumber("table_bytes", c.TableBytes);
        json.WriteBoolean("fits", c.Fits);
        json.WriteNumber("accuracy", c.Accuracy);
        json.WriteEndObject();
    }

    /// <summary>The words of <see cref="FitReport.Status"/> for the network fit, so scripts read one vocabulary.</summary>
    private static string Status(FitStatus status) => status switch
    {
        FitStatus.Fitted => "fitted",
        FitStatus.BelowFloor => "below floor",
        _ => "cannot fit",
    };
}
