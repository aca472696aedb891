using System.Text;
using System.Text.Json;
using EdgePrune.Core.Inspection;
using EdgePrune.Core.Ir;

namespace EdgePrune.Cli.Formatting;

/// <summary>The JSON form of a <see cref="ModelReport"/>. Field names are a stable interface, documented in docs/cli.md.</summary>
public static class InspectionJson
{
    public static string Format(ModelReport report)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model", report.Source);
            json.WriteString("graph", report.GraphName);
            json.WriteNumber("opset", report.Opset);
            json.WriteNumber("symbolic_dims_taken_as", 1);
            json.WriteStartArray("layers");
            foreach (var layer in report.Layers)
            {
                json.WriteStartObject();
                json.WriteNumber("index", layer.Index);
                json.WriteString("name", layer.Name);
                json.WriteString("op", layer.OpType);
                json.WriteStartArray("outputs");
                foreach (var output in layer.Outputs)
                {
                    WriteValue(json, output);
                }

                json.WriteEndArray();
                json.WriteNumber("parameters", layer.Parameters);
                json.WriteNumber("macs", layer.Macs);
                json.WriteNumber("weight_bytes", layer.WeightBytes);
                json.WriteNumber("activation_bytes", layer.ActivationBytes);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("totals");
            json.WriteNumber("parameters", report.TotalParameters);
            json.WriteNumber("macs", report.TotalMacs);
            json.WriteNumber("weight_bytes", report.TotalWeightBytes);
            json.WriteNumber("activation_bytes", report.TotalActivationBytes);
            json.WriteEndObject();
            json.WriteStartObject("weight_bytes_by_type");
            foreach (var (type, bytes) in report.WeightBytesByType)
            {
                json.WriteNumber(type, bytes);
            }

            json.WriteEndObject();
            json.WriteNumber("peak_arena_bytes", report.PeakArenaBytes);
            if (report.Device is { } fit)
            {
                json.WriteStartObject("device");
                json.WriteString("name", fit.Device.Name);
                json.WriteString("display_name", fit.Device.DisplayName);
                json.WriteNumber("runtime_code_bytes", fit.RuntimeCodeBytes);
                WriteBudget(json, fit.Flash);
                WriteBudget(json, fit.Ram);
                json.WriteBoolean("fits", fit.Fits);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("device");
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    private static void WriteValue(Utf8JsonWriter json, ValueInfo value)
    {
        json.WriteStartObject();
        json.WriteString("name", value.Name);
        json.WriteString("type", value.Type.ElementType.OnnxName());
        if (value.Type.Shape is null)
        {
            json.WriteNull("shape");
        }
        else
        {
            json.WriteStartArray("shape");
            foreach (var dim in value.Type.Shape)
            {
                if (dim.Value is long known)
                {
                    json.WriteNumberValue(known);
                }
                else if (dim.Symbol is not null)
                {
                    json.WriteStringValue(dim.Symbol);
                }
                else
                {
                    json.WriteNullValue();
                }
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteBudget(Utf8JsonWriter json, BudgetUse use)
    {
        json.WriteStartObject(use.Resource);
        json.WriteNumber("used_bytes", use.UsedBytes);
        json.WriteNumber("budget_bytes", use.BudgetBytes);
        json.WriteNumber("headroom_bytes", use.HeadroomBytes);
        json.WriteNumber("use_factor", Math.Round(use.Factor, 4));
        json.WriteBoolean("fits", use.Fits);
        json.WriteEndObject();
    }
}
