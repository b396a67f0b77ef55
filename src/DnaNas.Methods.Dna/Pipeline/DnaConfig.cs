using System.Text.Json.Serialization;
using DnaNas.Data;
using DnaNas.Methods.Dna;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <summary>Everything a DNA run depends on. Presets size it for this project's 2-core reference machine.</summary>
public sealed record DnaConfig
{
    public required string SpaceName { get; init; }
    public required DatasetRequest Data { get; init; }
    public long Seed { get; init; }

    /// <summary>
    /// Teacher: an architecture of the same space, so its block boundaries line up with the student's; null: the
    /// hand-designed baseline for the budget (<see cref="UniformBaseline"/>).
    /// </summary>
    public string? TeacherArchitecture { get; init; }
    /// <summary>The teacher's recipe; null: the retraining recipe without soft targets.</summary>
    public TrainRecipe? TeacherRecipe { get; init; }
    /// <summary>
    /// A finished training folder (<c>dna teacher</c> or <c>dna train</c>) in the same space to use as the teacher
    /// instead of training one, so runs with other budgets or seeds share it. Left out of the JSON when unset, so
    /// configurations written before it keep their fingerprints.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TeacherRun { get; init; }

    /// <summary>Training images whose teacher features train the blocks (no augmentation: features are cached).</summary>
    public int FeatureImages { get; init; } = 20_000;
    /// <summary>Validation images every candidate is rated on.</summary>
    public int RatingImages { get; init; } = 2_000;
    /// <summary>Batches that recalibrate batch norm per candidate before rating.</summary>
    public int CalibrationBatches { get; init; } = 4;
    public int CalibrationBatchSize { get; init; } = 128;
    public required BlockRecipe BlockRecipe { get; init; }
    /// <summary>
    /// What block cells learn and how candidates are scored (<see cref="BlockObjectives"/>); null: distillation from
    /// the teacher. Left out of the JSON when unset, so configurations written before it keep their fingerprints.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Objective { get; init; }

    /// <summary>
    /// DNA++: train the block cells self-supervised, with no teacher (<see cref="SelfSupervisedRecipe"/>); null: DNA's
    /// distillation from a teacher. Left out of the JSON when unset, so older fingerprints hold.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SelfSupervisedRecipe? SelfSupervision { get; init; }

    public CostKind BudgetKind { get; init; } = CostKind.Params;
    public long Budget { get; init; }
    /// <summary>
    /// Also keep the searched network's predicted training time, by a latency table measured on this machine before
    /// the search, at most this many times the baseline's (null: off). Parameters and MACs miss that a 7x7 depthwise
    /// layer trains far slower on a CPU than its MACs say. Left out of the JSON when unset (older fingerprints hold).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MaxTrainTimeRatio { get; init; }
    public int TopK { get; init; } = 5;

    /// <summary>
    /// Also retrain a second hand-designed network, MobileNetV2's layout in the budget (<see cref="MobileNetBaseline"/>),
    /// with the same recipe and seed, so "did the search beat a plain network?" does not rest on one choice of plain
    /// network. Off by default: a third training. Left out of the JSON when off, so older fingerprints hold.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool SecondBaseline { get; init; }

    /// <summary>Recipe for the searched architecture and the baseline alike, so the comparison is fair.</summary>
    public required TrainRecipe RetrainRecipe { get; init; }

    /// <summary>
    /// Whether the teacher is exactly the baseline of the report (same network, recipe and seed), so one training
    /// serves both: the comparison the report needs anyway then also gives the teacher, at no extra cost.
    /// </summary>
    [JsonIgnore]
    public bool TeacherIsBaseline =>
        SelfSupervision is null && TeacherRun is null && TeacherArchitecture is null && TeacherRecipe is null && RetrainRecipe.DistillationWeight == 0
        // Candidates are rated on validation images, which a teacher must never have trained on.
        && !RetrainRecipe.TrainOnValidation;

    public static IReadOnlyList<string> PresetNames { get; } = ["quick", "full", "tiny"];

    /// <summary>The training images a preset's epochs are written for: Fashion-MNIST's training split, or the tiny preset's subset.</summary>
    public static int ReferenceTrainImages(string preset) => preset == "tiny" ? 2_000 : ScheduleScaling.ReferenceTrainImages;

    /// <summary>
    /// The preset's schedules for a data set of <paramref name="trainImages"/> training images: the same optimisation
    /// steps (<see cref="ScheduleScaling"/>) for the retraining (and so the teacher that is the baseline), with a
    /// smaller batch on a small set, and the same steps for the block cells over the feature images actually
    /// available. Unchanged on the reference data.
    /// </summary>
    public DnaConfig SizedFor(int trainImages, int referenceTrainImages)
    {
        int features = Math.Min(FeatureImages, trainImages);
        int referenceFeatures = Math.Min(FeatureImages, referenceTrainImages);
        return this with
        {
            RetrainRecipe = ScheduleScaling.Sized(RetrainRecipe, referenceTrainImages, trainImages),
            TeacherRecipe = TeacherRecipe is { } t ? ScheduleScaling.Sized(t, referenceTrainImages, trainImages) : null,
            BlockRecipe = BlockRecipe with { Epochs = ScheduleScaling.Epochs(BlockRecipe.Epochs, referenceFeatures, features) },
        };
    }

    /// <summary>
    /// quick: the README's main command, measured at 29.5 minutes on 2 cores: two 5-epoch trainings (12 minutes for
    /// the baseline, 14 for a searched net with 7x7 ops) and 3 minutes of block training and rating; full: 500K parameters and 13-epoch trainings on the
    /// training and validation images together (a PyTorch sweep, reports/recipe-sweep-pytorch, put the default recipe's
    /// 12 epochs at 93.2-93.4% on 50,000 images and 93.7-93.8% on 60,000, and more epochs higher still), and a searched
    /// network that trains no slower than the baseline by the latency table (<see cref="MaxTrainTimeRatio"/>); an idle
    /// run takes two trainings of ~4.9 minutes an epoch plus ~9 minutes of search (reports/dna-full); tiny: minutes, for smoke tests of the whole pipeline
    /// (its accuracy means nothing). The real presets distil from the baseline (<see cref="TeacherIsBaseline"/>): the
    /// report trains it anyway, so the teacher costs nothing extra and is as strong as the recipe makes a network.
    /// </summary>
    public static DnaConfig Preset(string name, DatasetRequest data, long seed = 0)
    {
        var space = BuiltinSpaces.FmnistMbconv;
        return name switch
        {
            "quick" => new DnaConfig
            {
                SpaceName = space.Name, Data = data, Seed = seed,
                FeatureImages = 12_000, RatingImages = 2_000,
                BlockRecipe = new BlockRecipe { Epochs = 3 },
                Budget = 250_000,
                RetrainRecipe = new TrainRecipe { Epochs = 5 },
            },
            "full" => new DnaConfig
            {
                SpaceName = space.Name, Data = data, Seed = seed,
                FeatureImages = 25_000, RatingImages = 4_000,
                BlockRecipe = new BlockRecipe { Epochs = 4 },
                Budget = 500_000,
                // Two 13-epoch trainings (~64 minutes each) fill most of the 150 minutes, so the searched one may not take
                // longer than the baseline; a 14th epoch would leave under 5 minutes of the 150 (measured in reports/dna-full).
                MaxTrainTimeRatio = 1.0,
                RetrainRecipe = new TrainRecipe { Epochs = 13, TrainOnValidation = true },
            },
            "tiny" => new DnaConfig
            {
                SpaceName = space.Name, Data = data with { MaxTrain = 2_000, MaxTest = 1_000 }, Seed = seed,
                FeatureImages = 512, RatingImages = 256, CalibrationBatches = 2, CalibrationBatchSize = 64,
                BlockRecipe = new BlockRecipe { Epochs = 1, BatchSize = 64 },
                Budget = 150_000,
                RetrainRecipe = new TrainRecipe { Epochs = 1, BatchSize = 64 },
            },
            _ => throw new ArgumentException($"unknown preset \"{name}\": use {string.Join(", ", PresetNames)}"),
        };
    }
}
