using System.Diagnostics;
using System.Text.Json;
using DnaNas.Data;
using DnaNas.Methods.Dna;
using DnaNas.Methods.OneShot;
using DnaNas.Modules;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Studies;
using DnaNas.Training.Jobs;
using DnaNas.Training;
using static TorchSharp.torch;

namespace DnaNas.Studies;

public enum StudyStage { GroundTruth, Dna, Supernet, Scores, Search, ShiftingSearch, Report }

/// <summary>One evolutionary search of the study: what it found and what it cost.</summary>
public sealed record StudySearch(string Name, ArchitectureSearchResult Result, ProbeTrace? Probes, long ShiftSteps);

/// <summary>
/// The ranking study in a run folder, one stage after another, each recorded in state.json once its output is on
/// disk, so a stopped study resumes at the stage it was in (ground truth and DNA resume inside their stages too).
/// Folder: ground-truth/ (dna ground-truth), dna/ (dna run up to rating), supernet.bin (SPOS), shifted.bin
/// (after the shifting search), scores.db, search-plain.json, search-shifting.json, report.md, plots/.
/// </summary>
public sealed class RankingStudy(string folder, RankingStudyConfig config)
{
    public const string DnaSource = "dna", SposSource = "spos", ShiftedSource = "spos+shifting", ParamsSource = "params", MacsSource = "macs";

    public string Folder { get; } = folder;
    public RankingStudyConfig Config { get; } = config;
    public ProcessJobs? Jobs { get; init; }
    private StagedRun<StudyStage> Stages => new(Folder, Fingerprint(), "study");
    public string GroundTruthFolder => Path.Combine(Folder, "ground-truth");
    public string DnaFolder => Path.Combine(Folder, "dna");
    public string SupernetPath => Path.Combine(Folder, "supernet.bin");
    public string ShiftedPath => Path.Combine(Folder, "shifted.bin");
    public string ScoresPath => Path.Combine(Folder, "scores.db");
    public string SearchPath(string name) => Path.Combine(Folder, $"search-{name}.json");

    public string Fingerprint() => TrainRunConfig.Hash(JsonSerializer.Serialize(Config, JsonOptions.Compact));

    public GroundTruthRun GroundTruth() => new(GroundTruthFolder, new GroundTruthConfig(Config.SpaceName,
        Config.Data with { MaxTrain = Config.GroundTruthImages }, Config.GroundTruthRecipe, Config.BudgetKind, Config.Seed)) { Jobs = Jobs };

    public StageState<StudyStage> Run(bool resume, IProgress<(StudyStage Stage, string Message)> progress, CancellationToken cancel = default)
    {
        var state = Stages.Load(resume);
        Directory.CreateDirectory(Folder);
        AtomicFile.WriteAllText(Path.Combine(Folder, "config.json"), JsonSerializer.Serialize(Config, JsonOptions.Indented));
        AtomicFile.WriteAllText(Path.Combine(Folder, "environment.json"), JsonSerializer.Serialize(RunEnvironment.Capture(), JsonOptions.Indented));
        Stages.Save(state);
        return Stages.Run(state, Enum.GetValues<StudyStage>(), (stage, soFar) =>
        {
            switch (stage)
            {
                case StudyStage.GroundTruth:
                    GroundTruth().Run(Config.GroundTruthCount, new Reporter<JobProgress>(p => { if (p.Milestone) progress.Report((stage, p.Message)); }), cancel);
                    break;
                case StudyStage.Dna:
                    new DnaPipeline(DnaFolder, Config.Dna) { Jobs = Jobs }
                        .Run(resume: true, new Reporter<PipelineEvent>(e => { if (e.Milestone) progress.Report((stage, $"{e.Stage}: {e.Message}")); }), cancel, until: DnaStage.Rating);
                    break;
                case StudyStage.Supernet: TrainSupernet(progress, cancel); break;
                case StudyStage.Scores: ScoreGroundTruth(progress); break;
                case StudyStage.Search: Search(shifting: false, progress, cancel); break;
                case StudyStage.ShiftingSearch: Search(shifting: true, progress, cancel); break;
                case StudyStage.Report: new RankingReport(this).Write(soFar); break;
            }
        }, (stage, message) => progress.Report((stage, message)), cancel);
    }

    private DatasetSplits SupernetData() => Datasets.Load(Config.Data with { MaxTrain = Config.SupernetImages });

    public SearchSpace Space(DatasetSplits data) => TrainRun.SpaceFor(Config.SpaceName, data);

    /// <summary>The space with the study data's classes, as its DNA stage wrote it (what a supernet of this study is built for).</summary>
    public SearchSpace SavedSpace()
    {
        string path = new DnaPipeline(DnaFolder, Config.Dna).SpacePath;
        if (!File.Exists(path)) throw new TrainingException($"{Folder} has not reached its DNA stage yet (no {path}); run dna study --out {Folder} --resume first");
        return SpaceFile.Load(path);
    }

    private void TrainSupernet(IProgress<(StudyStage, string)> progress, CancellationToken cancel)
    {
        var data = SupernetData();
        random.manual_seed(Config.Seed);
        using var supernet = new SinglePathSupernet(Space(data));
        new SupernetTrainer(Config.SupernetRecipe, Config.Seed).Train(supernet, data, new PathSampler(supernet.Space), Fingerprint(), SupernetPath,
            new Reporter<TrainProgress>(p => { if (p.Finished is { } e) progress.Report((StudyStage.Supernet, $"epoch {e.Epoch}/{p.Epochs} loss {e.TrainLoss:F3} acc {e.TrainAccuracy:P1}")); }), cancel);
    }

    public IReadOnlyList<GroundTruthEntry> GroundTruthEntries()
    {
        using var store = new GroundTruthStore(GroundTruth().DatabasePath);
        return store.All().Where(e => e.IsTrained).ToList();
    }

    /// <summary>Every source's score of every ground-truth architecture (the shifted supernet's come with its search).</summary>
    private void ScoreGroundTruth(IProgress<(StudyStage, string)> progress)
    {
        var entries = GroundTruthEntries();
        var data = SupernetData();
        var space = Space(data);
        using var scores = new ScoreStore(ScoresPath);
        scores.Put(ParamsSource, entries.ToDictionary(e => e.Architecture, e => (double)e.Params));
        scores.Put(MacsSource, entries.ToDictionary(e => e.Architecture, e => (double)e.Macs));
        scores.Put(DnaSource, DnaScores(space, entries.Select(e => e.Architecture)));
        using var supernet = LoadSupernet(space, SupernetPath);
        using var evaluator = NewEvaluator(supernet, data);
        scores.Put(SposSource, entries.ToDictionary(e => e.Architecture, e => evaluator.Accuracy(Architecture.Parse(e.Architecture, space))));
        progress.Report((StudyStage.Scores, $"{entries.Count} architectures scored by {DnaSource}, {SposSource}, {ParamsSource}, {MacsSource}"));
    }

    /// <summary>DNA's score of an architecture: minus the sum of its blocks' ratings (the quantity DNA's search minimises).</summary>
    private Dictionary<string, double> DnaScores(SearchSpace space, IEnumerable<string> architectures)
    {
        using var ratings = new RatingStore(Path.Combine(DnaFolder, "ratings.db"));
        var byBlock = Enumerable.Range(0, space.Blocks.Count).Select(b => ratings.Block(b).ToDictionary(r => r.Candidate, r => r.ScaledMae)).ToArray();
        return architectures.ToDictionary(a => a, a =>
        {
            var arch = Architecture.Parse(a, space);
            return -arch.Blocks.Select((c, b) => byBlock[b][c.ToString()]).Sum();
        });
    }

    private SinglePathSupernet LoadSupernet(SearchSpace space, string path)
    {
        var supernet = new SinglePathSupernet(space);
        SupernetTrainer.LoadWeights(path, supernet);
        return supernet;
    }

    private PathEvaluator NewEvaluator(SinglePathSupernet supernet, DatasetSplits data) =>
        new(supernet, data, Config.CalibrationImages, Config.RatingImages, Config.Seed);

    /// <summary>The probes: the best ground-truth architectures within the budget, and random ones within it.</summary>
    public IReadOnlyList<Architecture> Probes(SearchSpace space)
    {
        bool Fits(Architecture a) => (Config.BudgetKind == CostKind.Params ? CostModel.Of(space, a).Params : CostModel.Of(space, a).Macs) <= Config.Budget;
        var good = GroundTruthEntries().OrderByDescending(e => e.TestAccuracy).Select(e => Architecture.Parse(e.Architecture, space))
            .Where(Fits).Take(Config.GoodProbes);
        var sampler = new PathSampler(space);
        var rng = new Random((int)(Config.Seed & int.MaxValue) + 17);
        var random = Enumerable.Range(0, 1000).Select(_ => sampler.Sample(rng)).Where(Fits).Take(Config.RandomProbes);
        return good.Concat(random).ToList();
    }

    private void Search(bool shifting, IProgress<(StudyStage, string)> progress, CancellationToken cancel)
    {
        var stage = shifting ? StudyStage.ShiftingSearch : StudyStage.Search;
        var data = SupernetData();
        var space = Space(data);
        using var supernet = LoadSupernet(space, SupernetPath);
        using var evaluator = NewEvaluator(supernet, data);
        using var shifter = shifting ? new SupernetShifter(supernet, data, Config.Shifting, Config.Seed) : null;
        var budget = new Budget(Config.BudgetKind, Config.Budget);
        var result = new SupernetSearch(supernet, evaluator, shifter).Run(budget, Config.Evolution, (int)Config.Seed,
            shifting ? Probes(space) : null,
            new Reporter<Search.Evolution.GenerationReport>(g => progress.Report((stage, $"generation {g.Generation + 1}/{Config.Evolution.Generations}: best {g.Best.Fitness:P2}, parents {g.ParentMean:P2}, {g.Evaluated} evaluated"))),
            cancel);
        string name = shifting ? "shifting" : "plain";
        if (shifting)
        {
            // The shifted supernet rates the ground truth again: its ranking is the "SPOS + shifting" source.
            var entries = GroundTruthEntries();
            using var scores = new ScoreStore(ScoresPath);
            scores.Put(ShiftedSource, entries.ToDictionary(e => e.Architecture, e => evaluator.Accuracy(Architecture.Parse(e.Architecture, space))));
            AtomicFile.Write(ShiftedPath, s => { using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true); supernet.save(w); });
        }
        AtomicFile.WriteAllText(SearchPath(name), JsonSerializer.Serialize(new StudySearch(name, result.Search, result.Probes, result.ShiftSteps), JsonOptions.Indented));
        progress.Report((stage, $"best {result.Search.Best.Architecture}: supernet accuracy {result.Search.Best.Fitness:P2}, {result.Search.SearchSeconds:F0} s"));
    }

    public StudySearch ReadSearch(string name) =>
        JsonSerializer.Deserialize<StudySearch>(File.ReadAllText(SearchPath(name)), JsonOptions.Compact)
        ?? throw new TrainingException($"{SearchPath(name)} is empty; delete it and resume the study");
}
