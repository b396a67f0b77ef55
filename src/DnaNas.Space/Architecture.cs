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

    /// <summary>Reads <c>k3e6|k5e3|skip</c> (ops only; <see cref="Architecture.Parse"/> checks them against a space).</summary>
    public static Candidate Parse(string text) =>
        new(text.Split('|').Select(t => Op.TryParse(t, out var reason) ?? throw new SpaceException($"\"{t}\": {reason}")));

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
/// A whole network's choice: one candidate per block, and in a space with width choices each block's output width.
/// The canonical string joins blocks with '/' and layers with '|', e.g. <c>k3e6|skip/k5e3|k7e6|k3e3</c>; a block
/// at another width than its reference one ends in <c>@width</c>, e.g. <c>k3e6|skip@32/k5e3|k7e6|k3e3</c>.
/// <see cref="Parse"/> reads it back against a space.
/// </summary>
public sealed class Architecture : IEquatable<Architecture>
{
    private readonly Candidate[] _blocks;
    // Per block: its output width where it differs from the block's reference width, else 0. Kept this way so
    // that one network has one form: a block at its reference width equals one whose width was never chosen.
    private readonly int[] _widths;

    public Architecture(IEnumerable<Candidate> blocks)
    {
        _blocks = blocks.ToArray();
        _widths = new int[_blocks.Length];
    }

    private Architecture(Candidate[] blocks, int[] widths) => (_blocks, _widths) = (blocks, widths);

    public IReadOnlyList<Candidate> Blocks => _blocks;

    /// <summary>Whether some block is at another width than its reference one.</summary>
    public bool HasWidths => _widths.Any(w => w != 0);

    /// <summary>The output width of block <paramref name="block"/> in <paramref name="space"/>.</summary>
    public int Width(int block, SearchSpace space) => _widths[block] != 0 ? _widths[block] : space.Blocks[block].Channels;

    /// <summary>This architecture's ops with block b at <paramref name="widths"/>[b], each one of the block's width choices.</summary>
    public Architecture WithWidths(SearchSpace space, IReadOnlyList<int> widths)
    {
        if (widths.Count != _blocks.Length) throw new SpaceException($"{widths.Count} widths for {_blocks.Length} blocks");
        var stored = new int[_blocks.Length];
        for (int b = 0; b < stored.Length; b++)
        {
            var spec = space.Blocks[b];
            if (!spec.WidthChoices.Contains(widths[b]))
                throw new SpaceException($"block {b + 1} of space {space.Name} has width {(spec.Widths.Count > 0 ? $"choices {string.Join(", ", spec.Widths)}" : $"{spec.Channels} only")}, not {widths[b]}");
            stored[b] = widths[b] == spec.Channels ? 0 : widths[b];
        }
        return new Architecture(_blocks, stored);
    }

    /// <summary>A hand-designed layout: one op in the first <paramref name="depths"/>[b] layers of block b, skips after.</summary>
    public static Architecture Layered(SearchSpace space, Op op, IReadOnlyList<int> depths) =>
        new(space.Blocks.Select((block, b) => new Candidate(Enumerable.Range(0, block.Layers).Select(l => l < depths[b] ? op : Op.Skip))));

    public override string ToString() => string.Join('/', _blocks.Select((b, i) => BlockText(i)));

    /// <summary>Block <paramref name="block"/>'s part of the string: its candidate, and its width where not the reference one.</summary>
    public string BlockText(int block) => _widths[block] != 0 ? $"{_blocks[block]}@{_widths[block]}" : _blocks[block].ToString();

    public bool Equals(Architecture? other) =>
        other is not null && _blocks.Length == other._blocks.Length && _blocks.Zip(other._blocks).All(p => p.First.Equals(p.Second))
        && _widths.AsSpan().SequenceEqual(other._widths);
    public override bool Equals(object? obj) => Equals(obj as Architecture);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var b in _blocks) h.Add(b);
        foreach (var w in _widths) h.Add(w);
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
        var widths = new int[blockTexts.Length];
        for (int b = 0; b < blockTexts.Length; b++)
        {
            var spec = space.Blocks[b];
            widths[b] = spec.Channels;
            int at = blockTexts[b].IndexOf('@');
            if (at >= 0)
            {
                string widthText = blockTexts[b][(at + 1)..].Trim();
                if (!int.TryParse(widthText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out widths[b]) || !spec.WidthChoices.Contains(widths[b]))
                    throw new SpaceException(spec.Widths.Count > 0
                        ? $"block {b + 1} \"{blockTexts[b]}\": width \"{widthText}\" is not one of the block's widths ({string.Join(", ", spec.Widths)})"
                        : $"block {b + 1} \"{blockTexts[b]}\": the block's width is fixed at {spec.Channels} in space {space.Name}; drop \"@{widthText}\"");
                blockTexts[b] = blockTexts[b][..at];
            }
            var tokens = blockTexts[b].Split('|');
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
        var architecture = new Architecture(blocks);
        return space.SearchesWidths ? architecture.WithWidths(space, widths) : architecture;
    }

    /// <summary>JSON form: <c>{"space": name, "blocks": [["k3e6","skip"], ...]}</c>, and <c>"widths"</c> (every block's) in a space with width choices.</summary>
    public string ToJson(SearchSpace space)
    {
        var root = new JsonObject
        {
            ["space"] = space.Name,
            ["arch"] = ToString(),
            ["blocks"] = new JsonArray(_blocks.Select(b =>
                (JsonNode)new JsonArray(b.Layers.Select(op => (JsonNode)JsonValue.Create(op.ToString())!).ToArray())).ToArray()),
        };
        if (space.SearchesWidths)
            root["widths"] = new JsonArray(Enumerable.Range(0, _blocks.Length).Select(b => (JsonNode)JsonValue.Create(Width(b, space))).ToArray());
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Reads the JSON form; the "blocks" array (and "widths", if there) is authoritative and checked like the string form.</summary>
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
            if (root["widths"] is JsonArray widths && b < widths.Count) sb.Append('@').Append(widths[b]?.ToJsonString());
        }
        return Parse(sb.ToString(), space);
    }
}
