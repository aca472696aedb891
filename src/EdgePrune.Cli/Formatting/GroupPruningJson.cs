using System.Text.Json;
using EdgePrune.Compression.Pruning.Structured;

namespace EdgePrune.Cli.Formatting;

/// <summary>The "groups" array of the prune and fit JSON reports: per dependency group, its layers and channels before/after.</summary>
internal static class GroupPruningJson
{
    public static void Write(Utf8JsonWriter json, IEnumerable<GroupPruning> groups)
    {
        json.WriteStartArray("groups");
        foreach (var g in groups)
        {
            json.WriteStartObject();
            json.WriteString("layers", g.Layers);
            json.WriteNumber("before", g.ChannelsBefore);
            json.WriteNumber("after", g.ChannelsAfter);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
