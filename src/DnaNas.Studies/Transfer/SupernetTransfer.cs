using System.Text.Json;
using System.Text;
using DnaNas.Data;
using DnaNas.Methods.OneShot;
using DnaNas.Modules;
using DnaNas.Search.Evolution;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;
using static TorchSharp.torch;

namespace DnaNas.Studies;

/// <summary>
/// Supernet Shifting's transfer: a supernet trained on one data set (a study's) gets a fresh classifier for another
/// data set's classes and is adapted by the shifting search itself, never retrained from scratch. The searched
/// architecture is then trained from scratch on the new data, so the two accuracies can be compared.
/// </summary>
public sealed record TransferConfig
{
    /// <summary>Defaults, public so the command line can show them before it knows the target.</summary>
    public static readonly EvolutionSettings DefaultEvolution = new() { Population = 20, Generations = 10, Parents = 5, Mutations = 8, Crossovers = 8 };
    public static readonly TrainRecipe DefaultScratchRecipe = new() { Epochs = 30, BatchSize = 64, Augment = new AugmentOptions(PadCrop: 2, HorizontalFlip: false) };

    public required DatasetRequest Target { get; init; }
    public long Seed { get; init; }
    /// <summary>Several steps per candidate (the official code's mode): the fresh classifier has everything to learn.</summary>
    public ShiftingSettings Shifting { get; init; } = new() { Mode = ShiftingMode.PerCandidate, StepsPerCandidate = 5, LearningRate = 0.01, BatchSize = 64 };
    public EvolutionSettings Evolution { get; init; } = DefaultEvolution;
    public CostKind BudgetKind { get; init; } = CostKind.Params;
    public long Budget { get; init; } = 250_000;
    public int CalibrationImages { get; init; } = 256;
    /// <summary>From-scratch training of the searched architecture on the target data.</summary>
    public TrainRecipe ScratchRecipe { get; init; } = DefaultScratchRecipe;
}

public sealed record TransferResult(string Source, string Architecture, long Params, long Macs, double SupernetValidationAccuracy,
    double SupernetTestAccuracy, double ScratchTestAccuracy, double SearchSeconds, double ScratchSeconds, long ShiftSteps, int Evaluated);

public sealed class SupernetTransfer(string folder, RankingStudy source, TransferConfig config)
{
    public string Folder { get; } = folder;
    public string ResultPath => Path.Combine(Folder, "transfer.json");
    public string ScratchFolder => Path.Combine(Folder, "scratch");

    public TransferResult Run(IProgress<string> progress, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(Folder);
        AtomicFile.WriteAllText(Path.Combine(Folder, "config.json"), JsonSerializer.Serialize(config, JsonOptions.Indented));
        string weights = File.Exists(source.ShiftedPath) ? source.ShiftedPath : source.SupernetPath;
        if (!File.Exists(weights)) throw new TrainingException($"{source.Folder} has no trained supernet yet; run dna study --out {source.Folder} --resume first");

        var sourceSpace = source.SavedSpace();
        var target = Datasets.Load(config.Target);
        var targetSpace = sourceSpace with { Classes = target.Train.ClassCount };
        progress.Report($"{target.Name}: {target.Train.Count} train / {target.Validation.Count} validation / {target.Test.Count} test images, {target.Train.ClassCount} classes; supernet {Path.GetFileName(weights)} of {source.Folder}");

        TransferResult? result = File.Exists(ResultPath) ? JsonSerializer.Deserialize<TransferResult>(File.ReadAllText(ResultPath), JsonOptions.Compact) : null;
        if (result is null)
        {
            random.manual_seed(config.Seed);
            using var supernet = new SinglePathSupernet(targetSpace);
            using (var trained = new SinglePathSupernet(sourceSpace))
            {
                if (weights == source.ShiftedPath) trained.load(weights);
                else SupernetTrainer.LoadWeights(weights, trained);
                supernet.CopyFeaturesFrom(trained);
            }
            using var evaluator = new PathEvaluator(supernet, target, config.CalibrationImages, target.Validation.Count, config.Seed);
            using var shifter = new SupernetShifter(supernet, target, config.Shifting, config.Seed);
            var search = new SupernetSearch(supernet, evaluator, shifter).Run(new Budget(config.BudgetKind, config.Budget), config.Evolution, config.Seed,
                progress: new Reporter<GenerationReport>(g => progress.Report($"generation {g.Generation + 1}/{config.Evolution.Generations}: best {g.Best.Fitness:P2}, parents {g.ParentMean:P2}")), cancel: cancel);
            var best = search.Search.Best;
            using var testEvaluator = new TestSetEvaluator(supernet, target, config.CalibrationImages, config.Seed);
            double test = testEvaluator.Accuracy(Architecture.Parse(best.Architecture, targetSpace));
            result = new TransferResult(weights, best.Architecture, best.Params, best.Macs, best.Fitness, test, double.NaN,
                search.Search.SearchSeconds, double.NaN, search.ShiftSteps, search.Search.Evaluated.Count);
            AtomicFile.WriteAllText(ResultPath, JsonSerializer.Serialize(result, JsonOptions.Indented));
        }
        progress.Report($"searched {result.Architecture}: {result.SupernetTestAccuracy:P2} test accuracy as a path of the adapted supernet");

        if (double.IsNaN(result.ScratchTestAccuracy))
        {
            var scratch = new TrainRun(ScratchFolder).Run(new TrainRunConfig(source.Config.SpaceName, result.Architecture, config.Target, config.ScratchRecipe, config.Seed),
                target, resume: true, new Reporter<TrainProgress>(p => { if (p.Finished is { } e && e.Epoch % 5 == 0) progress.Report($"from scratch: epoch {e.Epoch}/{p.Epochs} validation {e.ValidationAccuracy:P2}"); }), cancel: cancel);
            result = result with { ScratchTestAccuracy = scratch.TestAccuracy, ScratchSeconds = scratch.TrainingSeconds };
            AtomicFile.WriteAllText(ResultPath, JsonSerializer.Serialize(result, JsonOptions.Indented));
        }
        WriteReport(result, target);
        return result;
    }

    private void WriteReport(TransferResult r, DatasetSplits target)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Transfer of a Fashion-MNIST supernet to {target.Name}");
        md.AppendLine();
        md.AppendLine($"The supernet `{Path.GetFileName(r.Source)}` got a fresh classifier for {target.Train.ClassCount} classes and was adapted by the shifting search " +
                      $"({r.Evaluated} architectures rated, {r.ShiftSteps} supernet updates, {r.SearchSeconds:F0} s), never retrained from scratch.");
        md.AppendLine();
        md.AppendLine("| searched architecture | params | MACs | as a path of the adapted supernet (test) | trained from scratch (test) |");
        md.AppendLine("|---|---|---|---|---|");
        md.AppendLine($"| `{ReportParts.Cell(r.Architecture)}` | {r.Params:N0} | {r.Macs:N0} | {100 * r.SupernetTestAccuracy:F2}% | {100 * r.ScratchTestAccuracy:F2}% ({config.ScratchRecipe.Epochs} epochs, {r.ScratchSeconds:F0} s) |");
        AtomicFile.WriteAllText(Path.Combine(Folder, "report.md"), md.ToString());
    }

    /// <summary>A path's accuracy on the test split (the search itself only ever sees validation images).</summary>
    private sealed class TestSetEvaluator(SinglePathSupernet supernet, DatasetSplits data, int calibration, long seed) : IDisposable
    {
        private readonly PathEvaluator _inner = new(supernet, data with { Validation = data.Test }, calibration, data.Test.Count, seed);
        public double Accuracy(Architecture a) => _inner.Accuracy(a);
        public void Dispose() => _inner.Dispose();
    }
}
