using System.Text;
using System.Text.Json;
using EdgePrune.Cli.Checking;
using EdgePrune.Core.Ir;

namespace EdgePrune.Cli.Formatting;

/// <summary>The JSON form of a <see cref="CheckReport"/>; field names documented in docs/cli.md. Infinite differences are written as null.</summary>
public static class CheckJson
{
    public static string Format(CheckReport report)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model", report.Source);
            if (report.InputsFile is null)
            {
                json.WriteNumber("seed", report.Seed);
                json.WriteNull("inputs_file");
            }
            else
            {
                json.WriteNull("seed");
                json.WriteString("inputs_file", report.InputsFile);
            }

            json.WriteStartArray("inputs");
            foreach (var input in report.Inputs)
            {
                json.WriteStartObject();
                json.WriteString("name", input.Name);
                json.WriteString("type", input.Type.ElementType.OnnxName());
                WriteShape(json, "shape", input.Type.ConcreteShape());
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("outputs");
            foreach (var o in report.Outputs)
            {
                json.WriteStartObject();
                json.WriteString("name", o.Name);
                WriteShape(json, "shape", o.ReferenceShape);
                WriteShape(json, "onnxruntime_shape", o.OnnxRuntimeShape);
                WriteFinite(json, "max_abs_diff", o.MaxAbsDiff);
                WriteFinite(json, "max_rel_diff", o.MaxRelDiff);
                WriteFinite(json, "output_range", o.OutputRange);
                json.WriteNumber("tolerance", o.Tolerance);
                json.WriteBoolean("agrees", o.Agrees);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteBoolean("agrees", report.Agrees);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    private static void WriteShape(Utf8JsonWriter json, string name, int[] shape)
    {
        json.WriteStartArray(name);
        foreach (int d in shape)
        {
            json.WriteNumberValue(d);
        }

        json.WriteEndArray();
    }

    private static void WriteFinite(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
