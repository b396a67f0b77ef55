using System.Text.Json;
using DnaNas.Data;
using DnaNas.Methods.Dna;
using DnaNas.Methods.OneShot;
using DnaNas.Modules;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Training.Jobs;
using static TorchSharp.torch;
using DnaNas.Randomness;

namespace DnaNas.Studies;

/// <summary>One evolutionary search of the study: what it found and what it cost.</summary>
public sealed record StudySearch(string Name, ArchitectureSearchResult Result, ProbeTrace? Probes, long ShiftSteps);

/// <summary>What the study's stages share: the study and where to report.</summary>
public sealed record StudyContext(RankingStudy Study, IProgress<(string Stage, string Message)> Progress, CancellationToken Cancel)
{
    public void Report(string stage, string message) => Progress.Report((stage, message));
}

/// <summary>
/// The ranking study in a run folder, a list of stage objects each recorded in state.json once its output is on
/// disk, so a stopped study resumes at the stage it was in (ground truth and DNA resume inside their stages too).
/// Folder: ground-truth/ (dna ground-truth), dna/ (dna run up to rating), supernet.bin (SPOS), shifted.bin (after
/// the shifting search), scores.db, search-plain.json, search-shifting.json, report.md, plots/. The sources it
/// scores are the registered <see cref="RatingSources"/> whose parts the stages have trained.
/// </summary>
public sealed class RankingStudy(string folder, RankingStudyConfig config)
{
    public string Folder { get; } = folder;
    public RankingStudyConfig Config { get; } = config;
    public IJobRunner? Jobs { get; init; }
    private StagedRun Staged => new(Folder, Fingerprint(), "study");
    public string GroundTruthFolder => Path.Combine(Folder, "ground-truth");
    public string DnaFolder => Path.Combine(Folder, DnaRatingSource.RunFolder);
    public string SupernetPath => Path.Combine(Folder, SupernetRatingSource.SposFile);
    public string ShiftedPath => Path.Combine(Folder, SupernetRatingSource.ShiftedFile);
    public string ScoresPath => Path.Combine(Folder, "scores.db");
    public string StatePath => Path.Combine(Folder, StagedRun.StateFileName);
    public string SearchPath(string name) => Path.Combine(Folder, $"search-{name}.json");

    /// <summary>The study's stages: DNA's variants (<see cref="RankingStudyConfig.DnaVariants"/>) each a stage of their own after DNA.</summary>
    public IReadOnlyList<IStage<StudyContext>> Stages =>
    [
        new StudyStage("GroundTruth", c => c.Study.TrainGroundTruth(c)),
        new StudyStage("Dna", c => c.Study.RateByDna(DnaFolder, Config.Dna, "Dna", c)),
        .. Variants.Select(v => new StudyStage(v.StageName, c => c.Study.RateByDna(Path.Combine(Folder, v.RunFolder), v.Apply(Config.Dna, DnaTeacherFolder), v.StageName, c))),
        new StudyStage("Supernet", c => c.Study.TrainSupernet(c)),
        new StudyStage("Scores", c => c.Study.ScoreGroundTruth(c)),
        new StudyStage("Search", c => c.Study.Search(shifting: false, c)),
        new StudyStage("ShiftingSearch", c => c.Study.Search(shifting: true, c)),
        new StudyStage("Report", c => new RankingReport(c.Study).Write(c.Study.ReadState())),
    ];

    public IReadOnlyList<DnaVariant> Variants => Config.DnaVariants ?? [];

    /// <summary>The teacher the study's DNA run trained, which variants that keep the teacher adopt.</summary>
    public string DnaTeacherFolder => new DnaRunLayout(DnaFolder, TeacherIsBaseline: false).TeacherFolder;

    /// <summary>Every source the study scores: the registered ones and its DNA variants.</summary>
    public IReadOnlyList<IRatingSource> Sources => [.. RatingSources.All, .. Variants.Select(v => v.Source())];

    private void RateByDna(string folder, DnaConfig config, string stage, StudyContext c) =>
        new DnaRun(folder, config) { Jobs = Jobs }
            .Run(resume: true, new Reporter<PipelineEvent>(e => { if (e.Milestone) c.Report(stage, $"{e.Stage}: {e.Message}"); }), c.Cancel, until: RatingStage.StageName);

    public string Fingerprint() => TrainRunConfig.Hash(JsonSerializer.Serialize(Config, JsonOptions.Compact));

    public StageState ReadState() => StagedRun.Read(StatePath);

    /// <summary>The study's own ground truth, or the one it was pointed at (<see cref="RankingStudyConfig.GroundTruthFolder"/>).</summary>
    public GroundTruthRun GroundTruth()
    {
        if (Config.GroundTruthFolder is not { } external)
            return new(GroundTruthFolder, new GroundTruthConfig(Config.SpaceName,
                Config.Data with { MaxTrain = Config.GroundTruthImages }, Config.GroundTruthRecipe, Config.BudgetKind, Config.Seed)) { Jobs = Jobs };
        var run = GroundTruthRun.Open(external);
        if (run.Config.SpaceName != Config.SpaceName || run.Config.Data.Kind != Config.Data.Kind)
            throw new TrainingException($"the ground truth in {external} is of {run.Config.SpaceName} on {Datasets.KindName(run.Config.Data.Kind)}, " +
                                        $"this study of {Config.SpaceName} on {Datasets.KindName(Config.Data.Kind)}: give a ground truth of the study's space and data");
        return run;
    }

    public StageState Run(bool resume, IProgress<(string Stage, string Message)> progress, CancellationToken cancel = default)
    {
        if (Variants.GroupBy(v => v.Name.Replace("-", ""), StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"two DNA variants are named {string.Join(" and ", twice.Select(v => v.Name))}: give each its own name");
        var state = Staged.Load(resume);
        Directory.CreateDirectory(Folder);
        AtomicFile.WriteAllText(Path.Combine(Folder, "config.json"), JsonSerializer.Serialize(Config, JsonOptions.Indented));
        AtomicFile.WriteAllText(Path.Combine(Folder, "environment.json"), JsonSerializer.Serialize(RunEnvironment.Capture(), JsonOptions.Indented));
        Staged.Save(state);
        return Staged.Run(state, Stages, new StudyContext(this, progress, cancel), (stage, message) => progress.Report((stage, message)), cancel);
    }

    /// <summary>A study's own ground truth is trained here; one it was pointed at is trained by its own dna ground-truth, and read as it stands.</summary>
    private void TrainGroundTruth(StudyContext c)
    {
        if (Config.GroundTruthFolder is not { } external)
        {
            GroundTruth().Run(Config.GroundTruthCount, new Reporter<JobProgress>(p => { if (p.Milestone) c.Report("GroundTruth", p.Message); }), c.Cancel);
            return;
        }
        var truth = TrueAccuracies();
        if (truth.Count < MinimumGroundTruth)
            throw new TrainingException($"the ground truth in {external} has {truth.Count} trained networks, a study needs at least {MinimumGroundTruth}: " +
                                        $"let its dna ground-truth --out {external} train more first");
        c.Report("GroundTruth", $"{truth.Count} trained networks of {external} ({GroundTruth().Config.Protocol ?? "its own recipe"}), " +
                                $"bands {string.Join(", ", truth.GroupBy(t => t.Band).Select(g => $"{g.Key} {g.Count()}"))}");
    }

    /// <summary>Fewer networks than this cannot be ranked with any meaning (a Kendall tau of 3 takes only 4 values).</summary>
    public const int MinimumGroundTruth = 4;

    private DatasetSplits SupernetData() => Datasets.Load(Config.Data with { MaxTrain = Config.SupernetImages });

    public SearchSpace Space(DatasetSplits data) => TrainRun.SpaceFor(Config.SpaceName, data);

    /// <summary>The space with the study data's classes, as its DNA stage wrote it (what a supernet of this study is built for).</summary>
    public SearchSpace SavedSpace()
    {
        string path = new DnaRunLayout(DnaFolder, TeacherIsBaseline: false).SpacePath;
        if (!File.Exists(path)) throw new TrainingException($"{Folder} has not reached its DNA stage yet (no {path}); run dna study --out {Folder} --resume first");
        return SpaceFile.Load(path);
    }

    /// <summary>What the rating sources read: this folder, the supernet's data, and the study's evaluation sizes.</summary>
    public RatingContext RatingContext(SearchSpace space, DatasetSplits? data = null) =>
        new(space, Folder, () => data ??= SupernetData(), Config.Seed) { CalibrationImages = Config.CalibrationImages, RatingImages = Config.RatingImages };

    private void TrainSupernet(StudyContext c)
    {
        var data = SupernetData();
        random.manual_seed(Config.Seed);
        using var supernet = new SinglePathSupernet(Space(data));
        new SupernetTrainer(Config.SupernetRecipe, Config.Seed).Train(supernet, data, new SinglePathStep(new PathSampler(supernet.Space), Config.SupernetRecipe.LabelSmoothing), Fingerprint(), SupernetPath,
            new Reporter<TrainProgress>(p => { if (p.Finished is { } e) c.Report("Supernet", $"epoch {e.Epoch}/{p.Epochs} loss {e.TrainLoss:F3} acc {e.TrainAccuracy:P1}"); }), c.Cancel);
    }

    public IReadOnlyList<GroundTruthEntry> GroundTruthEntries()
    {
        using var store = new GroundTruthStore(GroundTruth().DatabasePath);
        return store.All().Where(e => e.IsTrained).ToList();
    }

    /// <summary>Each trained architecture once, its accuracies averaged over its seeds: what the ratings are judged against.</summary>
    public IReadOnlyList<TrueAccuracy> TrueAccuracies() => TrueAccuracy.Of(GroundTruthEntries());

    /// <summary>
    /// Every registered source's score of every ground-truth architecture, for the sources whose parts exist by now;
    /// the shifted supernet's come with its search.
    /// </summary>
    private void ScoreGroundTruth(StudyContext c)
    {
        var entries = TrueAccuracies();
        var data = SupernetData();
        var space = Space(data);
        var context = RatingContext(space, data);
        var architectures = entries.Select(e => Architecture.Parse(e.Architecture, space)).ToList();
        using var scores = new ScoreStore(ScoresPath);
        var scored = new List<string>();
        foreach (var source in Sources.Where(s => s.Name != SupernetRatingSource.Shifted && s.IsReady(context)))
        {
            scores.Put(source.Name, source.Score(context, architectures));
            scored.Add(source.Name);
        }
        c.Report("Scores", $"{entries.Count} architectures scored by {string.Join(", ", scored)}");
    }

    /// <summary>The probes: the best ground-truth architectures within the budget, and random ones within it.</summary>
    public IReadOnlyList<Architecture> Probes(SearchSpace space)
    {
        bool Fits(Architecture a) => CostModel.Of(space, a).In(Config.BudgetKind) <= Config.Budget;
        var good = TrueAccuracies().OrderByDescending(e => e.Test).Select(e => Architecture.Parse(e.Architecture, space))
            .Where(Fits).Take(Config.GoodProbes);
        var sampler = new PathSampler(space);
        var rng = StableRandom.For(Config.Seed, 0x50524F42); // "PROB"
        var random = Enumerable.Range(0, 1000).Select(_ => sampler.Sample(rng)).Where(Fits).Take(Config.RandomProbes);
        return good.Concat(random).ToList();
    }

    private void Search(bool shifting, StudyContext c)
    {
        string stage = shifting ? "ShiftingSearch" : "Search";
        var data = SupernetData();
        var space = Space(data);
        using var supernet = SupernetRatingSource.Trained.Load(space, Folder);
        using var evaluator = new PathEvaluator(supernet, data, Config.CalibrationImages, Config.RatingImages, Config.Seed);
        using var shifter = shifting ? new SupernetShifter(supernet, data, Config.Shifting, Config.Seed) : null;
        var budget = new Budget(Config.BudgetKind, Config.Budget);
        var result = new SupernetSearch(supernet, evaluator, shifter).Run(budget, Config.Evolution, Config.Seed,
            shifting ? Probes(space) : null,
            new Reporter<Search.Evolution.GenerationReport>(g => c.Report(stage, $"generation {g.Generation + 1}/{Config.Evolution.Generations}: best {g.Best.Fitness:P2}, parents {g.ParentMean:P2}, {g.Evaluated} evaluated")),
            c.Cancel);
        string name = shifting ? "shifting" : "plain";
        if (shifting)
        {
            // The shifted supernet rates the ground truth again: its ranking is the "SPOS + shifting" source.
            var entries = TrueAccuracies();
            using var scores = new ScoreStore(ScoresPath);
            scores.Put(SupernetRatingSource.Shifted, entries.ToDictionary(e => e.Architecture, e => evaluator.Accuracy(Architecture.Parse(e.Architecture, space))));
            AtomicFile.Write(ShiftedPath, s => { using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true); supernet.save(w); });
        }
        AtomicFile.WriteAllText(SearchPath(name), JsonSerializer.Serialize(new StudySearch(name, result.Search, result.Probes, result.ShiftSteps), JsonOptions.Indented));
        c.Report(stage, $"best {result.Search.Best.Architecture}: supernet accuracy {result.Search.Best.Fitness:P2}, {result.Search.SearchSeconds:F0} s");
    }

    public StudySearch ReadSearch(string name) =>
        DurableJson.Read<StudySearch>(SearchPath(name), "delete it and resume the study to search again");
}

/// <summary>One named stage of the study: the study's steps are methods of <see cref="RankingStudy"/>, each behind its name.</summary>
public sealed class StudyStage(string name, Action<StudyContext> run) : IStage<StudyContext>
{
    public string Name => name;
    public void Run(StudyContext context) => run(context);
}
