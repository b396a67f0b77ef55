using System.Text.Json;

namespace DnaNas.Training;

/// <summary>
/// Reads the JSON files a run keeps (state.json, search.json, config.json, result.json). A file cut short by a full
/// disk or damaged by hand is a one-line error that names the file and what to do, never a parser's stack trace or a
/// default-valued record that silently means something else.
/// </summary>
public static class DurableJson
{
    public static T Read<T>(string path, string fix) where T : class
    {
        string text = File.ReadAllText(path);
        try
        {
            return JsonSerializer.Deserialize<T>(text, JsonOptions.Compact) ?? throw new JsonException("the file holds null");
        }
        catch (JsonException e)
        {
            throw new TrainingException($"{path} is damaged ({FirstLine(e.Message)}); {fix}");
        }
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\n', '\r']);
        string line = end < 0 ? message : message[..end];
        return line.Length > 120 ? line[..120] + "..." : line;
    }
}
