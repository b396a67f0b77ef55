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
    public required double FixedMicros { get; init; }
    /// <summary>[block][layer]: op name (k3e3, ...) to microseconds per image.</summary>
    public required IReadOnlyList<IReadOnlyList<IReadOnlyDictionary<string, double>>> LayerMicros { get; init; }

    /// <summary>Predicted microseconds per image of one block's candidate (its layers up to the first skip).</summary>
    public double Of(int block, Candidate candidate)
    {
        double micros = 0;
        for (int layer = 0; layer < candidate.Layers.Count && !candidate.Layers[layer].IsSkip; layer++)
            micros += LayerMicros[block][layer].TryGetValue(candidate.Layers[layer].ToString(), out var t)
                ? t
                : throw new SpaceException($"the latency table has no {candidate.Layers[layer]} at block {block + 1} layer {layer + 1}: measure one for this space (dna bench latency)");
        return micros;
    }

    /// <summary>The same for a candidate written as ops separated by '|' (as stored with its ratings).</summary>
    public double Of(int block, string candidate) =>
        Of(block, Candidate.Parse(candidate));

    /// <summary>Predicted microseconds per image of a whole network: stem and head plus every block, corrected.</summary>
    public double Of(Architecture architecture) => Predict(Sum(architecture));

    /// <summary>The table's plain sum for a network: stem and head plus every block's layers.</summary>
    public double Sum(Architecture architecture) =>
        FixedMicros + architecture.Blocks.Select((candidate, b) => Of(b, candidate)).Sum();

    /// <summary>A network's predicted time from the table's sum for it (<see cref="Sum"/>): the correction applied, if any.</summary>
    public double Predict(double tableSum) => Correction?.Apply(tableSum) ?? tableSum;

    /// <summary>Refuses a table measured for another space: its layer shapes, and so its times, differ.</summary>
    public void CheckFor(SearchSpace space)
    {
        bool shaped = Space == space.Name && LayerMicros.Count == space.Blocks.Count &&
                      LayerMicros.Select((layers, b) => layers.Count == space.Blocks[b].Layers).All(x => x);
        if (!shaped)
            throw new SpaceException($"this latency table was measured for space {Space}, not {space.Name}: measure one for it (dna bench latency)");
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
