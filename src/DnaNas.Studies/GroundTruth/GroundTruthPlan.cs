using System.Text.Json;
using DnaNas.Randomness;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Studies;

/// <summary>
/// A cost range the ground truth fills with <paramref name="Architectures"/> networks spread evenly over it,
/// <paramref name="SecondSeeds"/> of them (spread over the range too) also trained with a second seed to measure the noise.
/// </summary>
public sealed record CostBand(string Name, long Min, long Max, int Architectures, int SecondSeeds = 0)
{
    /// <summary>The band of the whole space.</summary>
    public const string SpreadName = "spread";

    public static CostBand Spread(int architectures, int secondSeeds = 0) => new(SpreadName, 0, long.MaxValue, architectures, secondSeeds);

    /// <summary>"quick:150000-250000:14:7" (name, cost range, architectures, second seeds); the last part may be left out.</summary>
    public static CostBand Parse(string text)
    {
        var error = new ArgumentException($"--band \"{text}\" is not NAME:MIN-MAX:COUNT[:SECOND_SEEDS], e.g. quick:150000-250000:14:7");
        var parts = text.Split(':');
        if (parts.Length is not (3 or 4) || parts[0].Length == 0) throw error;
        var range = parts[1].Split('-');
        if (range.Length != 2 || !long.TryParse(range[0], out long min) || !long.TryParse(range[1], out long max) || min < 0 || max < min) throw error;
        if (!int.TryParse(parts[2], out int count) || count < 1) throw error;
        int seconds = 0;
        if (parts.Length == 4 && (!int.TryParse(parts[3], out seconds) || seconds < 0 || seconds > count)) throw error;
        return new CostBand(parts[0], min, max, count, seconds);
    }

    /// <summary>Which of the band's architectures (by position, cheapest first) also get a second seed: spread over the range.</summary>
    public IEnumerable<int> SecondSeedPositions() => SecondSeeds switch
    {
        0 => [],
        1 => [Architectures / 2],
        _ => Enumerable.Range(0, SecondSeeds).Select(i => (int)Math.Round(i * (Architectures - 1) / (double)(SecondSeeds - 1))).Distinct(),
    };
}

/// <summary>One training the plan asks for: an architecture of a band with one seed.</summary>
public sealed record PlannedTraining(string Band, Architecture Architecture, long Seed);

/// <summary>
/// Which networks a ground truth trains: bands filled in order (each band's first seeds, then its second seeds), so
/// the band that matters most is complete first. An architecture sampled by an earlier band is not drawn again.
/// </summary>
public sealed record GroundTruthPlan(IReadOnlyList<CostBand> Bands)
{
    /// <summary>Today's single spread over the whole space, one seed each.</summary>
    public static GroundTruthPlan Spread(int count) => new([CostBand.Spread(count)]);

    /// <summary>
    /// Bands around the budgets the presets search (quick: 150-250K parameters, full: 350-500K) and a spread over the
    /// whole space: 54 architectures, 21 of them with a second seed, at least 7 in each searched band. The quick band
    /// measured flat (its spread no larger than its seed noise), so quick-wide widens it to everything the quick
    /// search can pick, down to fmnist-mbconv's smallest network, with networks of its own; it trains right after the
    /// quick band. Adding a band leaves every other band's sample as it was (each is drawn with a seed of its name).
    /// </summary>
    public static GroundTruthPlan PresetBands() => new(
    [
        new CostBand("quick", 150_000, 250_000, 14, 7),
        new CostBand("quick-wide", 80_000, 250_000, 14, 7),
        new CostBand("full", 350_000, 500_000, 14, 7),
        CostBand.Spread(12),
    ]);

    public IReadOnlyList<PlannedTraining> Trainings(SearchSpace space, CostKind costKind, long seed)
    {
        long Cost(Architecture a) => CostModel.Of(space, a).In(costKind);
        var drawn = new HashSet<string>(StringComparer.Ordinal);
        var trainings = new List<PlannedTraining>();
        foreach (var band in Bands)
        {
            // The spread keeps the run's own seed, so a plan of one spread samples what it always has.
            long bandSeed = band.Name == CostBand.SpreadName ? seed : unchecked((long)StableRandom.Mix(seed, NameHash(band.Name)));
            var sample = CostStratifiedSampler.Sample(space, band.Architectures, Cost, bandSeed, band.Min, band.Max, drawn);
            foreach (var a in sample) drawn.Add(a.ToString());
            trainings.AddRange(sample.Select(a => new PlannedTraining(band.Name, a, seed)));
            trainings.AddRange(band.SecondSeedPositions().Where(i => i < sample.Count).Select(i => new PlannedTraining(band.Name, sample[i], seed + 1)));
        }
        return trainings;
    }

    /// <summary>FNV-1a of the name: a band's sample depends on its name, not on its place in the list.</summary>
    private static long NameHash(string name)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in name) hash = unchecked((hash ^ c) * 1099511628211UL);
        return unchecked((long)hash);
    }
}

/// <summary>
/// A frozen way to train ground truth: a recipe and a number of training images under a versioned name, recorded with
/// every row (and its definition in the database), so rows of two recipes never mix silently when a preset changes.
/// </summary>
public sealed record GroundTruthProtocol(string Name, TrainRecipe Recipe, int? MaxTrain)
{
    /// <summary>What trained a row: this project's TorchSharp trainer (a PyTorch mirror would name itself).</summary>
    public const string DnaNasTrainer = "dnanas-torchsharp";

    /// <summary>The quick preset's retraining recipe as of this version (5 epochs, the default recipe) on the whole training split.</summary>
    public static GroundTruthProtocol QuickV1 { get; } = new("quick-v1", new TrainRecipe { Epochs = 5 }, MaxTrain: null);

    public static IReadOnlyList<GroundTruthProtocol> Known { get; } = [QuickV1];

    public static GroundTruthProtocol Resolve(string name) =>
        Known.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"unknown ground-truth protocol \"{name}\": use {string.Join(", ", Known.Select(p => p.Name))}");

    /// <summary>The recipe and images as JSON: what the database keeps to refuse a changed protocol under an old name.</summary>
    public string Definition() => JsonSerializer.Serialize(new { Recipe, MaxTrain }, JsonOptions.Compact);
}
