using System.Text.Json;
using System.Text.Json.Nodes;

namespace DnaNas.Space;

/// <summary>
/// Space JSON files, for users who define their own space. Example:
/// <code>
/// { "name": "my-space", "inputSize": 32, "inputChannels": 3, "classes": 10,
///   "activation": "swish", "squeezeExcite": true,
///   "stem": { "channels": 16, "kernel": 3, "stride": 1, "separableChannels": 0 },
///   "ops": ["k3e3", "k3e6", "k5e3", "k5e6"],
///   "blocks": [ { "stride": 2, "channels": 24, "layers": 2, "minLayers": 1, "widths": [16, 24, 32] } ],
///   "head": { "channels": 256, "dropout": 0.1 } }
/// </code>
/// Errors name the file and the field or token at fault.
/// </summary>
public static class SpaceFile
{
    public static SearchSpace Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (IOException e) { throw new SpaceException($"space file {path}: cannot read it ({e.Message})"); }
        try { return Parse(text); }
        catch (SpaceException e) { throw new SpaceException($"space file {path}: {e.Message}"); }
    }

    public static SearchSpace Parse(string json)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }); }
        catch (JsonException e) { throw new SpaceException($"not valid JSON: {e.Message}"); }
        if (root is not JsonObject o) throw new SpaceException("the top level must be a JSON object");

        var ops = Array(o, "ops").Select((t, i) =>
        {
            string token = t?.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : t?.ToJsonString() ?? "null";
            return Op.TryParse(token, out var reason) ?? throw new SpaceException($"ops[{i}] \"{token}\": {reason}");
        }).ToArray();
        var blocks = Array(o, "blocks").Select((b, i) =>
        {
            var bo = b as JsonObject ?? throw new SpaceException($"blocks[{i}] must be an object");
            int layers = Int(bo, "layers", $"blocks[{i}].");
            var widths = bo["widths"] is null ? [] : (bo["widths"] as JsonArray ?? throw new SpaceException($"blocks[{i}].widths must be an array of channel counts"))
                .Select((w, j) => w?.GetValueKind() == JsonValueKind.Number && w.AsValue().TryGetValue(out int v) ? v
                    : throw new SpaceException($"blocks[{i}].widths[{j}] must be an integer, got {w?.ToJsonString() ?? "null"}")).ToArray();
            return new BlockSpec(Int(bo, "stride", $"blocks[{i}]."), Int(bo, "channels", $"blocks[{i}]."),
                layers, Int(bo, "minLayers", $"blocks[{i}].", layers)) { Widths = widths };
        }).ToArray();
        var stem = Obj(o, "stem");
        var head = Obj(o, "head");
        var activationText = Str(o, "activation", "", "swish");
        var activation = activationText.ToLowerInvariant() switch
        {
            "swish" or "silu" => Activation.Swish,
            "relu" => Activation.Relu,
            _ => throw new SpaceException($"activation \"{activationText}\": must be swish or relu"),
        };
        return new SearchSpace
        {
            Name = Str(o, "name", ""),
            InputSize = Int(o, "inputSize", ""),
            InputChannels = Int(o, "inputChannels", "", 3),
            Classes = Int(o, "classes", "", 10),
            Stem = new StemSpec(Int(stem, "channels", "stem."), Int(stem, "kernel", "stem.", 3),
                Int(stem, "stride", "stem.", 1), Int(stem, "separableChannels", "stem.", 0)),
            Blocks = blocks,
            Ops = ops,
            Head = new HeadSpec(Int(head, "channels", "head.", 0), Double(head, "dropout", "head.", 0)),
            SqueezeExcite = Bool(o, "squeezeExcite", false),
            Activation = activation,
        }.Validate();
    }

    public static string ToJson(SearchSpace space)
    {
        var o = new JsonObject
        {
            ["name"] = space.Name,
            ["inputSize"] = space.InputSize,
            ["inputChannels"] = space.InputChannels,
            ["classes"] = space.Classes,
            ["activation"] = space.Activation.ToString().ToLowerInvariant(),
            ["squeezeExcite"] = space.SqueezeExcite,
            ["stem"] = new JsonObject
            {
                ["channels"] = space.Stem.Channels, ["kernel"] = space.Stem.Kernel,
                ["stride"] = space.Stem.Stride, ["separableChannels"] = space.Stem.SeparableChannels,
            },
            ["ops"] = new JsonArray(space.Ops.Select(op => (JsonNode)JsonValue.Create(op.ToString())!).ToArray()),
            ["blocks"] = new JsonArray(space.Blocks.Select(b =>
            {
                var block = new JsonObject { ["stride"] = b.Stride, ["channels"] = b.Channels, ["layers"] = b.Layers, ["minLayers"] = b.MinLayers };
                if (b.Widths.Count > 0) block["widths"] = new JsonArray(b.Widths.Select(w => (JsonNode)JsonValue.Create(w)).ToArray());
                return (JsonNode)block;
            }).ToArray()),
            ["head"] = new JsonObject { ["channels"] = space.Head.Channels, ["dropout"] = space.Head.Dropout },
        };
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonArray Array(JsonObject o, string key) =>
        o[key] as JsonArray ?? throw new SpaceException($"\"{key}\" must be an array");

    private static JsonObject Obj(JsonObject o, string key) =>
        o[key] as JsonObject ?? throw new SpaceException($"\"{key}\" must be an object");

    private static int Int(JsonObject o, string key, string prefix, int? fallback = null)
    {
        var node = o[key];
        if (node is null) return fallback ?? throw new SpaceException($"{prefix}{key} is missing");
        if (node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out int v)) return v;
        throw new SpaceException($"{prefix}{key} must be an integer, got {node.ToJsonString()}");
    }

    private static double Double(JsonObject o, string key, string prefix, double fallback)
    {
        var node = o[key];
        if (node is null) return fallback;
        if (node.GetValueKind() == JsonValueKind.Number) return node.GetValue<double>();
        throw new SpaceException($"{prefix}{key} must be a number, got {node.ToJsonString()}");
    }

    private static string Str(JsonObject o, string key, string prefix, string? fallback = null)
    {
        var node = o[key];
        if (node is null) return fallback ?? throw new SpaceException($"{prefix}{key} is missing");
        if (node.GetValueKind() == JsonValueKind.String) return node.GetValue<string>();
        throw new SpaceException($"{prefix}{key} must be a string, got {node.ToJsonString()}");
    }

    private static bool Bool(JsonObject o, string key, bool fallback)
    {
        var node = o[key];
        if (node is null) return fallback;
        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new SpaceException($"{key} must be true or false, got {node.ToJsonString()}"),
        };
    }
}
