using System.Text.Json.Serialization;
using DnaNas.Data;
using DnaNas.Methods.Dna;
using DnaNas.Methods.OneShot;
using DnaNas.Search.Evolution;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Studies;

/// <summary>
/// A ranking study: ground truth for a cost-stratified sample, then every rating source's scores for the same
/// architectures (DNA's summed block ratings, a SPOS supernet's accuracy, the same after Supernet Shifting, params
/// and MACs as floors), and plain vs shifting evolutionary search under one budget.
/// </summary>
public sealed record RankingStudyConfig
{
    public required string SpaceName { get; init; }
    public required DatasetRequest Data { get; init; }
    public long Seed { get; init; }

    public int GroundTruthCount { get; init; } = 30;
    /// <summary>Training images of each ground-truth network (a fixed subset: 30 networks must fit an hour).</summary>
    public int GroundTruthImages { get; init; } = 10_000;
    public required TrainRecipe GroundTruthRecipe { get; init; }

    /// <summary>
    /// A ground truth trained apart (<c>dna ground-truth</c>, cost bands and second seeds) to judge the sources against,
    /// instead of the study training its own; the three fields above then go unused. Left out of the JSON when
    /// unset, so configurations written before it keep their fingerprints.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? GroundTruthFolder { get; init; }

    /// <summary>The DNA run whose stages up to rating score the architectures.</summary>
    public required DnaConfig Dna { get; init; }

    /// <summary>
    /// Changes to <see cref="Dna"/> rated beside it, each a source of its own (<c>dna-NAME</c>). Left out of the JSON
    /// when unset, so configurations written before it keep their fingerprints.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<DnaVariant>? DnaVariants { get; init; }

    public int SupernetImages { get; init; } = 10_000;
    public required TrainRecipe SupernetRecipe { get; init; }
    /// <summary>Training images forwarded to recalibrate batch norm before a path is rated, and validation images it is rated on.</summary>
    public int CalibrationImages { get; init; } = 512;
    public int RatingImages { get; init; } = 2_000;

    public required EvolutionSettings Evolution { get; init; }
    public ShiftingSettings Shifting { get; init; } = new();
    public CostKind BudgetKind { get; init; } = CostKind.Params;
    public long Budget { get; init; } = 250_000;
    /// <summary>Probe architectures whose supernet accuracy is traced through the shifting search: the best ground-truth ones and random ones.</summary>
    public int GoodProbes { get; init; } = 5;
    public int RandomProbes { get; init; } = 5;

    public int TopK { get; init; } = 10;
    public int Resamples { get; init; } = 1000;

    public static IReadOnlyList<string> PresetNames { get; } = ["default", "tiny"];

    /// <summary>
    /// The study in another space (a space file, or one derived from a folder of images): its DNA run too, a fixed
    /// teacher architecture becomes that space's default network, and the budgets are scaled by <paramref name="budgetScale"/>.
    /// </summary>
    public RankingStudyConfig InSpace(string spaceName, SearchSpace space, double budgetScale)
    {
        if (spaceName == SpaceName) return this;
        long Scale(long budget) => (long)Math.Round(budget * budgetScale, MidpointRounding.AwayFromZero);
        return this with
        {
            SpaceName = spaceName,
            Budget = Scale(Budget),
            Dna = Dna with
            {
                SpaceName = spaceName,
                Budget = Scale(Dna.Budget),
                TeacherArchitecture = Dna.TeacherArchitecture is null ? null : BuiltinSpaces.DefaultArchitecture(space).ToString(),
            },
        };
    }

    /// <summary>
    /// default: sized for 150 minutes on 2 cores (about 50 for ground truth, 10 for DNA up to rating, 12 for the
    /// supernet, 15 for the two searches); tiny: a smoke test of every stage in a few minutes.
    /// </summary>
    public static RankingStudyConfig Preset(string name, DatasetRequest data, long seed = 0)
    {
        var space = BuiltinSpaces.FmnistMbconv;
        return name switch
        {
            "default" => new RankingStudyConfig
            {
                SpaceName = space.Name, Data = data with { MaxValidation = 2_000 }, Seed = seed,
                GroundTruthRecipe = new TrainRecipe { Epochs = 3 },
                Dna = new DnaConfig
                {
                    // Its own teacher (the space's default network, 3 epochs), not the quick preset's: the study
                    // needs the ratings only, and this teacher trains in half the time of a 5-epoch baseline.
                    SpaceName = space.Name, Data = data, Seed = seed,
                    TeacherArchitecture = BuiltinSpaces.DefaultArchitecture(space).ToString(),
                    TeacherRecipe = new TrainRecipe { Epochs = 3 },
                    FeatureImages = 12_000, RatingImages = 2_000,
                    BlockRecipe = new BlockRecipe { Epochs = 3 },
                    Budget = 250_000,
                    RetrainRecipe = new TrainRecipe { Epochs = 5 },
                },
                SupernetRecipe = new TrainRecipe { Epochs = 20, LearningRate = 0.05 },
                Evolution = new EvolutionSettings { Population = 20, Generations = 10, Parents = 5, Mutations = 8, Crossovers = 8 },
            },
            "tiny" => new RankingStudyConfig
            {
                SpaceName = space.Name, Data = data with { MaxValidation = 256, MaxTest = 256 }, Seed = seed,
                GroundTruthCount = 4, GroundTruthImages = 256, GroundTruthRecipe = new TrainRecipe { Epochs = 1, BatchSize = 64 },
                Dna = DnaConfig.Preset("tiny", data, seed) with
                {
                    FeatureImages = 256, RatingImages = 128, TeacherRecipe = new TrainRecipe { Epochs = 1, BatchSize = 64 },
                },
                SupernetImages = 256, SupernetRecipe = new TrainRecipe { Epochs = 1, BatchSize = 64 },
                CalibrationImages = 64, RatingImages = 128,
                Evolution = new EvolutionSettings { Population = 4, Generations = 2, Parents = 2, Mutations = 2, Crossovers = 1 },
                Shifting = new ShiftingSettings { BatchSize = 32 },
                Budget = 150_000, GoodProbes = 2, RandomProbes = 1, TopK = 2, Resamples = 50,
            },
            _ => throw new ArgumentException($"unknown study preset \"{name}\": use {string.Join(", ", PresetNames)}"),
        };
    }
}
