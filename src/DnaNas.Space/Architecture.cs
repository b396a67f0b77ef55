using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DnaNas.Space;

/// <summary>One block's choice: an op per layer position, trailing skips where the block is shallower.</summary>
public sealed class Candidate : IEquatable<Candidate>
{
    private readonly Op[] _layers;

    public Candidate(IEnumerable<Op> layers) => _layers = layers.ToArray();

    public IReadOnlyList<Op> Layers => _layers;

    /// <summary>Number of non-skip layers.</summary>
    public int Depth => _layers.Count(op => !op.IsSkip);

    /// <summary><c>k3e6|k5e3|skip</c></summary>
    public override string ToString() => string.Join('|', _layers);

    public bool Equals(Candidate? other) => other is not null && _layers.AsSpan().SequenceEqual(other._layers);
    public override bool Equals(object? obj) => Equals(obj as Candidate);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var op in _layers) h.Add(op);
        return h.ToHashCode();
    }
}

/// <summary>
/// A whole network's choice: one candidate per block. The canonical string joins blocks with '/' and layers
/// with '|', e.g. <c>k3e6|skip/k5e3|k7e6|k3e3</c>; <see cref="Parse"/> reads it back against a space.
/// </summary>
public sealed class Architecture : IEquatable<Architecture>
{
    private readonly Candidate[] _blocks;

    public Architecture(IEnumerable<Candidate> blocks) => _blocks = blocks.ToArray();

    public IReadOnlyList<Candidate> Blocks => _blocks;

    /// <summary>A hand-designed layout: one op in the first <paramref name="depths"/>[b] layers of block b, skips after.</summary>
    public static Architecture Layered(SearchSpace space, Op op, IReadOnlyList<int> depths) =>
        new(space.Blocks.Select((block, b) => new Candidate(Enumerable.Range(0, block.Layers).Select(l => l < depths[b] ? op : Op.Skip))));

    public override string ToString() => string.Join('/', _blocks.Select(b => b.ToString()));

    public bool Equals(Architecture? other) =>
        other is not null && _blocks.Length == other._blocks.Length && _blocks.Zip(other._blocks).All(p => p.First.Equals(p.Second));
    public override bool Equals(object? obj) => Equals(obj as Architecture);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var b in _blocks) h.Add(b);
        return h.ToHashCode();
    }

    /// <summary>
    /// Parses the canonical string. Errors name the token (1-based over the whole string), its block and layer,
    /// and what the space allows.
    /// </summary>
    public static Architecture Parse(string text, SearchSpace space)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new SpaceException("architecture string is empty");
        var blockTexts = text.Trim().Split('/');
        if (blockTexts.Length != space.Blocks.Count)
            throw new SpaceException(
                $"architecture has {blockTexts.Length} blocks separated by '/', space {space.Name} has {space.Blocks.Count}");
        int tokenIndex = 0;
        var blocks = new List<Candidate>();
        for (int b = 0; b < blockTexts.Length; b++)
        {
            var tokens = blockTexts[b].Split('|');
            var spec = space.Blocks[b];
            var ops = new List<Op>();
            for (int l = 0; l < tokens.Length; l++)
            {
                tokenIndex++;
                string where = $"token {tokenIndex} \"{tokens[l].Trim()}\" (block {b + 1}, layer {l + 1})";
                if (l >= spec.Layers)
                    throw new SpaceException($"{where}: block {b + 1} has only {spec.Layers} layers");
                var op = Op.TryParse(tokens[l], out var reason) ?? throw new SpaceException($"{where}: {reason}");
                if (op.IsSkip && l < spec.MinLayers)
                    throw new SpaceException($"{where}: the first {spec.MinLayers} layer(s) of block {b + 1} cannot be skip");
                if (!op.IsSkip && l > 0 && ops[l - 1].IsSkip)
                    throw new SpaceException($"{where}: an op after skip; skips may only close a block");
                if (!op.IsSkip && space.Ops.IndexOf(op) < 0)
                    throw new SpaceException($"{where}: not an op of space {space.Name} ({string.Join(", ", space.Ops)})");
                ops.Add(op);
            }
            // A block may be written short: missing trailing layers are skips, if the block allows that depth.
            if (ops.Count < spec.MinLayers)
                throw new SpaceException(
                    $"block {b + 1} \"{blockTexts[b]}\": needs at least {spec.MinLayers} layer(s), got {ops.Count}");
            while (ops.Count < spec.Layers) ops.Add(Op.Skip);
            blocks.Add(new Candidate(ops));
        }
        return new Architecture(blocks);
    }

    /// <summary>JSON form: <c>{"space": name, "blocks": [["k3e6","skip"], ...]}</c>.</summary>
    public string ToJson(SearchSpace space)
    {
        var root = new JsonObject
        {
            ["space"] = space.Name,
            ["arch"] = ToString(),
            ["blocks"] = new JsonArray(_blocks.Select(b =>
                (JsonNode)new JsonArray(b.Layers.Select(op => (JsonNode)JsonValue.Create(op.ToString())!).ToArray())).ToArray()),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Reads the JSON form; the "blocks" array is authoritative and checked like the string form.</summary>
    public static Architecture FromJson(string json, SearchSpace space)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e) { throw new SpaceException($"architecture JSON is malformed: {e.Message}"); }
        if (root?["blocks"] is not JsonArray blocks)
            throw new SpaceException("architecture JSON needs a \"blocks\" array of arrays of op tokens");
        var sb = new StringBuilder();
        for (int b = 0; b < blocks.Count; b++)
        {
            if (blocks[b] is not JsonArray layers)
                throw new SpaceException($"architecture JSON: blocks[{b}] must be an array of op tokens");
            if (b > 0) sb.Append('/');
            sb.AppendJoin('|', layers.Select(t => t?.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : t?.ToJsonString() ?? "null"));
        }
        return Parse(sb.ToString(), space);
    }
}
