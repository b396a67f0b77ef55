using DnaNas.Data;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training.Distillation;

namespace DnaNas.Training.Dna;

/// <summary>Everything a DNA run depends on. Presets size it for this project's 2-core reference machine.</summary>
public sealed record DnaConfig
{
    public required string SpaceName { get; init; }
    public required DatasetRequest Data { get; init; }
    public long Seed { get; init; }

    /// <summary>Teacher: an architecture of the same space, so its block boundaries line up with the student's.</summary>
    public required string TeacherArchitecture { get; init; }
    public required TrainRecipe TeacherRecipe { get; init; }

    /// <summary>Training images whose teacher features train the blocks (no augmentation: features are cached).</summary>
    public int FeatureImages { get; init; } = 20_000;
    /// <summary>Validation images every candidate is rated on.</summary>
    public int RatingImages { get; init; } = 2_000;
    /// <summary>Batches that recalibrate batch norm per candidate before rating.</summary>
    public int CalibrationBatches { get; init; } = 4;
    public int CalibrationBatchSize { get; init; } = 128;
    public required BlockRecipe BlockRecipe { get; init; }

    public CostKind BudgetKind { get; init; } = CostKind.Params;
    public long Budget { get; init; }
    public int TopK { get; init; } = 5;

    /// <summary>Recipe for the searched architecture and the baseline alike, so the comparison is fair.</summary>
    public required TrainRecipe RetrainRecipe { get; init; }

    public static IReadOnlyList<string> PresetNames { get; } = ["quick", "full", "tiny"];

    /// <summary>
    /// quick: the README's search example, aimed at 30 minutes on 2 cores but measured at 33-40 (5-epoch retraining of
    /// the searched net and the baseline side by side, one thread each, about 4.5 minutes an epoch); full: 500K
    /// parameters and 12 epochs, measured far over 150 minutes (a net of 7x7 ops trains at about 100 images/s
    /// here), to be resized; tiny: minutes, for smoke tests of the
    /// whole pipeline (its accuracy means nothing). Both real presets use the space's default architecture as the
    /// teacher: a net from outside the budget's size, so the ratings do not simply favour the baseline's ops.
    /// </summary>
    public static DnaConfig Preset(string name, DatasetRequest data, long seed = 0)
    {
        var space = BuiltinSpaces.FmnistMbconv;
        string teacher = BuiltinSpaces.DefaultArchitecture(space).ToString();
        return name switch
        {
            "quick" => new DnaConfig
            {
                SpaceName = space.Name, Data = data, Seed = seed, TeacherArchitecture = teacher,
                TeacherRecipe = new TrainRecipe { Epochs = 3 },
                FeatureImages = 12_000, RatingImages = 2_000,
                BlockRecipe = new BlockRecipe { Epochs = 3 },
                Budget = 250_000,
                RetrainRecipe = new TrainRecipe { Epochs = 5 },
            },
            "full" => new DnaConfig
            {
                SpaceName = space.Name, Data = data, Seed = seed, TeacherArchitecture = teacher,
                TeacherRecipe = new TrainRecipe { Epochs = 8 },
                FeatureImages = 25_000, RatingImages = 4_000,
                BlockRecipe = new BlockRecipe { Epochs = 4 },
                Budget = 500_000,
                RetrainRecipe = new TrainRecipe { Epochs = 12 },
            },
            "tiny" => new DnaConfig
            {
                SpaceName = space.Name, Data = data with { MaxTrain = 2_000, MaxTest = 1_000 }, Seed = seed,
                TeacherArchitecture = "k3e3/k3e3/k3e3/k3e3",
                TeacherRecipe = new TrainRecipe { Epochs = 1, BatchSize = 64 },
                FeatureImages = 512, RatingImages = 256, CalibrationBatches = 2, CalibrationBatchSize = 64,
                BlockRecipe = new BlockRecipe { Epochs = 1, BatchSize = 64 },
                Budget = 150_000,
                RetrainRecipe = new TrainRecipe { Epochs = 1, BatchSize = 64 },
            },
            _ => throw new ArgumentException($"unknown preset \"{name}\": use {string.Join(", ", PresetNames)}"),
        };
    }
}
