using System.Text.Json;
using System.Text.Json.Serialization;

namespace DnaNas.Space;

/// <summary>What a latency table times: a training step (forward and backward) or inference (forward, eval mode).</summary>
public enum LatencyMode { Training, Inference }

/// <summary>What ran the timed layers: TorchSharp (libtorch), where DnaNas trains, or ONNX Runtime, where an exported model is deployed.</summary>
public enum LatencyRuntime { TorchSharp, OnnxRuntime }

/// <summary>
/// A lookup-table latency predictor (ProxylessNAS, FBNet): the measured time of every op at every layer position of
/// a space, and of the fixed stem and head, on one machine. Layers run one after another, so a network's predicted
/// time is the sum of its parts'. Parameters and MACs miss what this catches: on a CPU a 7x7 depthwise layer costs
/// far more time than its few MACs say. Times are microseconds per image at <see cref="BatchSize"/>.
/// </summary>
public sealed record LatencyTable
{
    public required string Space { get; init; }
    public required LatencyMode Mode { get; init; }
    public required int BatchSize { get; init; }
    public required int Threads { get; init; }
    /// <summary>TorchSharp in tables written before the runtime was recorded.</summary>
    public LatencyRuntime Runtime { get; init; } = LatencyRuntime.TorchSharp;
    /// <summary>Where it was measured (processor, cores): a table predicts for that machine only.</summary>
    public required string Machine { get; init; }
    /// <summary>The measuring machine's fingerprint (processor, cores, instruction sets), to refuse the table on another; null in older tables.</summary>
    public string? Fingerprint { get; init; }
    /// <summary>
    /// Maps the table's sum to a whole network's time, fitted on a few measured networks; null: the sum itself. A
    /// layer timed alone pays costs a network pays once or not at all (a runtime's call overhead, cold caches).
    /// </summary>
    public LatencyCorrection? Correction { get; init; }
    /// <summary>How a whole network is timed to compare with the table: rounds and their least length (ONNX Runtime's tables); null: the runtime's defaults.</summary>
    public int? TimingRounds { get; init; }
    public double? RoundMilliseconds { get; init; }
    /// <summary>The stem and the head, the head at the last block's reference width.</summary>
    public required double FixedMicros { get; init; }
    /// <summary>
    /// [block][layer]: op name (k3e3, ...) to microseconds per image. In a table of a space that searches widths
    /// (<see cref="SearchesWidths"/>) every layer is timed at each pair of channels it can read and write, and the
    /// key names them too (<c>k3e3 24&gt;40</c>, <see cref="Key"/>).
    /// </summary>
    public required IReadOnlyList<IReadOnlyList<IReadOnlyDictionary<string, double>>> LayerMicros { get; init; }
    /// <summary>A width table's head, by the last block's width (channels) to microseconds per image; null in a fixed-width table.</summary>
    public IReadOnlyDictionary<int, double>? HeadMicros { get; init; }

    /// <summary>Whether the table times every width of a space that searches widths, not only the reference ones.</summary>
    [JsonIgnore]
    public bool SearchesWidths => HeadMicros is not null;

    /// <summary>The key of an op at a layer of this shape in <see cref="LayerMicros"/>: its name, with its channels in a width table.</summary>
    public static string Key(Op op, LayerShape shape, bool searchesWidths) =>
        searchesWidths ? $"{op} {shape.InChannels}>{shape.OutChannels}" : op.ToString();

    /// <summary>Predicted microseconds per image of one block's candidate (its layers up to the first skip), in a fixed-width table.</summary>
    public double Of(int block, Candidate candidate)
    {
        if (SearchesWidths) throw new InvalidOperationException("a width table predicts a block at given widths: call Of(at, block, candidate)");
        return Layers(block, candidate, layer => candidate.Layers[layer].ToString());
    }

    /// <summary>
    /// The same at the widths of <paramref name="at"/>, the space at an architecture's widths (<see cref="SearchSpace.At"/>
    /// or <see cref="SearchSpace.AtBlockWidth"/>): the block's first layer reads the width of the block before it.
    /// </summary>
    public double Of(SearchSpace at, int block, Candidate candidate) =>
        Layers(block, candidate, layer => Key(candidate.Layers[layer], at.Layer(block, layer), SearchesWidths));

    /// <summary>The same for a candidate written as ops separated by '|' (as stored with its ratings).</summary>
    public double Of(int block, string candidate) =>
        Of(block, Candidate.Parse(candidate));

    private double Layers(int block, Candidate candidate, Func<int, string> key)
    {
        double micros = 0;
        for (int layer = 0; layer < candidate.Layers.Count && !candidate.Layers[layer].IsSkip; layer++)
            micros += LayerMicros[block][layer].TryGetValue(key(layer), out var t)
                ? t
                : throw new SpaceException($"the latency table has no {key(layer)} at block {block + 1} layer {layer + 1}: measure one for this space (dna bench latency)");
        return micros;
    }

    /// <summary>Predicted microseconds per image of a network of a fixed-width space: stem and head plus every block, corrected.</summary>
    public double Of(Architecture architecture) => Predict(Sum(architecture));

    /// <summary>The same in <paramref name="space"/>, at the widths the architecture gives its blocks.</summary>
    public double Of(SearchSpace space, Architecture architecture) => Predict(Sum(space, architecture));

    /// <summary>The table's plain sum for a network of a fixed-width space: stem and head plus every block's layers.</summary>
    public double Sum(Architecture architecture) =>
        FixedMicros + architecture.Blocks.Select((candidate, b) => Of(b, candidate)).Sum();

    /// <summary>The same in <paramref name="space"/>, at the architecture's widths: each layer at its channels, the head at the last block's width.</summary>
    public double Sum(SearchSpace space, Architecture architecture)
    {
        var at = space.At(architecture);
        return Fixed(space, at.LastBlockChannels) + architecture.Blocks.Select((candidate, b) => Of(at, b, candidate)).Sum();
    }

    /// <summary>Stem and head with the last block <paramref name="lastWidth"/> channels wide.</summary>
    public double Fixed(SearchSpace space, int lastWidth)
    {
        if (HeadMicros is null) return FixedMicros;
        double Head(int width) => HeadMicros.TryGetValue(width, out var t)
            ? t
            : throw new SpaceException($"the latency table has no head after {width} channels: measure one for this space (dna bench latency)");
        return FixedMicros - Head(space.LastBlockChannels) + Head(lastWidth);
    }

    /// <summary>A network's predicted time from the table's sum for it (<see cref="Sum(Architecture)"/>): the correction applied, if any.</summary>
    public double Predict(double tableSum) => Correction?.Apply(tableSum) ?? tableSum;

    /// <summary>Refuses a table measured for another space: its layer shapes, and so its times, differ.</summary>
    public void CheckFor(SearchSpace space)
    {
        bool shaped = Space == space.Name && LayerMicros.Count == space.Blocks.Count &&
                      LayerMicros.Select((layers, b) => layers.Count == space.Blocks[b].Layers).All(x => x);
        if (!shaped)
            throw new SpaceException($"this latency table was measured for space {Space}, not {space.Name}: measure one for it (dna bench latency)");
        if (space.SearchesWidths != SearchesWidths)
            throw new SpaceException(SearchesWidths
                ? $"this latency table times every width of space {Space}, and {space.Name} has no width choices: measure one for it (dna bench latency)"
                : $"this latency table times the reference widths only, and space {space.Name} searches widths: measure one that times them all (dna bench latency, this version)");
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <param name="source">The file it came from, for the error message.</param>
    public static LatencyTable FromJson(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<LatencyTable>(json, Json) ?? throw new SpaceException($"{source} is empty");
        }
        catch (JsonException e)
        {
            throw new SpaceException($"{source} is not a latency table ({e.Message}); measure one with dna bench latency --out {source}");
        }
    }
}
