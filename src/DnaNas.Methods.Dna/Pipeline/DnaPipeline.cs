using System.Diagnostics;
using System.Text.Json;
using DnaNas.Data;
using DnaNas.Methods.Dna;
using DnaNas.Modules;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training.Hardware;
using DnaNas.Training.Jobs;
using DnaNas.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Methods.Dna;

public enum DnaStage { Teacher, Features, Blocks, Rating, Search, Retrain, Baseline, Report }

/// <summary>
/// Progress from a pipeline stage. <see cref="Fraction"/> is the stage's completed share where known;
/// <see cref="Milestone"/> marks events worth a line in a log (epoch ends, finished blocks), not every step.
/// </summary>
public readonly record struct PipelineEvent(DnaStage Stage, string Message, double? Fraction = null, bool Milestone = true);

/// <summary>
/// DNA end to end in a run folder (Li et al., CVPR 2020): train a teacher, cache its block outputs, train every
/// block's cell to reproduce them, rate every candidate, search the best architecture under the budget exactly,
/// retrain it and a hand-designed baseline with the same recipe, and write a report. A stage is recorded as done
/// only after its output is on disk, so <c>--resume</c> restarts a killed run at the stage (and block) it was in.
/// </summary>
public sealed class DnaPipeline(string folder, DnaConfig config)
{
    public string Folder { get; } = folder;
    public DnaConfig Config { get; } = config;
    private StagedRun<DnaStage> Stages => new(Folder, Fingerprint(), "DNA run");
    public string TeacherFolder => Path.Combine(Folder, "teacher");
    public string FeaturesPath(string split) => Path.Combine(Folder, "features", $"{split}.bin");
    public string BlockCheckpoint(int block) => Path.Combine(Folder, "supernet", $"block{block}.bin");
    public string RatingsPath => Path.Combine(Folder, "ratings.db");
    public string SearchPath => Path.Combine(Folder, "search.json");
    public const string LatencyFileName = "latency.json";
    public string LatencyPath => Path.Combine(Folder, LatencyFileName);
    public string RetrainFolder => Path.Combine(Folder, "retrain");
    /// <summary>The baseline's training; the teacher's when the teacher is the baseline (one training, two roles).</summary>
    public string BaselineFolder => Config.TeacherIsBaseline ? TeacherFolder : Path.Combine(Folder, "baseline");

    public string SpacePath => Path.Combine(Folder, "space.json");
    private string ConfigPath => Path.Combine(Folder, "config.json");

    /// <summary>
    /// Where independent trainings run (the blocks; the searched network beside the baseline): null or one job at
    /// a time trains them one after another in this process.
    /// </summary>
    public ProcessJobs? Jobs { get; init; }

    /// <summary>A started run, from its folder's config.json (for a block job, or for dna search).</summary>
    public static DnaPipeline Open(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        if (!File.Exists(path)) throw new TrainingException($"{folder} holds no DNA run (no config.json); start one with dna run");
        var config = JsonSerializer.Deserialize<DnaConfig>(File.ReadAllText(path), JsonOptions.Compact)
                     ?? throw new TrainingException($"{path} is empty; delete the folder to start over");
        return new DnaPipeline(folder, config);
    }

    /// <summary>An infeasible budget fails before half an hour of training, not at the search stage.</summary>
    private void CheckBudget(SearchSpace space)
    {
        var cheapest = CostModel.SpaceRange(space).Min;
        long min = Config.BudgetKind == CostKind.Params ? cheapest.Params : cheapest.Macs;
        if (Config.Budget < min)
            throw new TrainingException($"no architecture fits {new Budget(Config.BudgetKind, Config.Budget)}: the cheapest has {new Budget(Config.BudgetKind, min)}");
    }

    public string Fingerprint() => TrainRunConfig.Hash(JsonSerializer.Serialize(Config, JsonOptions.Compact));

    /// <param name="until">The last stage to run (a ranking study needs the ratings only); null runs them all.</param>
    public StageState<DnaStage> Run(bool resume, IProgress<PipelineEvent> progress, CancellationToken cancel = default, DnaStage? until = null)
    {
        var state = Stages.Load(resume);
        Directory.CreateDirectory(Folder);
        AtomicFile.WriteAllText(ConfigPath, JsonSerializer.Serialize(Config, JsonOptions.Indented));
        AtomicFile.WriteAllText(Path.Combine(Folder, "environment.json"), JsonSerializer.Serialize(RunEnvironment.Capture(), JsonOptions.Indented));
        Stages.Save(state);

        progress.Report(new PipelineEvent(DnaStage.Teacher, $"loading {Datasets.KindName(Config.Data.Kind)}"));
        var data = Datasets.Load(Config.Data);
        var space = TrainRun.SpaceFor(Config.SpaceName, data);
        // The resolved space (classes from the data) is what dna search must cost architectures with.
        AtomicFile.WriteAllText(SpacePath, SpaceFile.ToJson(space));
        CheckBudget(space);

        return Stages.Run(state, Enum.GetValues<DnaStage>().Where(s => until is null || s <= until), (stage, soFar) =>
        {
            switch (stage)
            {
                case DnaStage.Teacher: TrainTeacher(space, data, progress, cancel); break;
                case DnaStage.Features: CacheFeatures(space, data, progress); break;
                case DnaStage.Blocks: TrainBlocks(space, progress, cancel); break;
                case DnaStage.Rating: RateBlocks(space, data, progress, cancel); break;
                case DnaStage.Search: SearchArchitecture(space, progress); break;
                case DnaStage.Retrain: RetrainBoth(data, progress, cancel); break;
                case DnaStage.Baseline: Retrain(1, data, progress, cancel); break;
                case DnaStage.Report: new DnaReport(this).Write(space, soFar); break;
            }
        }, (stage, message) => progress.Report(new PipelineEvent(stage, message, 1)), cancel);
    }

    private void TrainTeacher(SearchSpace space, DatasetSplits data, IProgress<PipelineEvent> progress, CancellationToken cancel)
    {
        if (Config.TeacherRun is { } given)
        {
            AdoptTeacher(given, space, data);
            progress.Report(new PipelineEvent(DnaStage.Teacher, $"teacher from {given}"));
        }
        var run = new TrainRun(TeacherFolder);
        var result = run.ReadResult() ?? run.Run(TeacherConfig(Config, space), data, resume: true, Relay(DnaStage.Teacher, progress), cancel: cancel);
        string role = Config.TeacherIsBaseline ? "teacher and baseline" : "teacher";
        progress.Report(new PipelineEvent(DnaStage.Teacher, $"{role} {result.Architecture}: test accuracy {result.TestAccuracy:P2}"));
    }

    /// <summary>
    /// What a run trains as its teacher when none is given (and what <c>dna teacher</c> trains ahead of runs): the
    /// configured architecture and recipe, by default the baseline trained with the retraining recipe.
    /// </summary>
    public static TrainRunConfig TeacherConfig(DnaConfig config, SearchSpace space) =>
        new(config.SpaceName, config.TeacherArchitecture ?? Baseline(space, config.BudgetKind, config.Budget).ToString(), config.Data,
            config.TeacherRecipe ?? config.RetrainRecipe with { DistillationWeight = 0 }, config.Seed);

    /// <summary>
    /// Copies a finished teacher into the run folder (so the run stays whole if the original moves), after checking
    /// that its blocks line up with this run's space and that it was trained for these classes.
    /// </summary>
    private void AdoptTeacher(string given, SearchSpace space, DatasetSplits data)
    {
        var source = new TrainRun(given);
        var config = source.ReadConfig();
        if (source.ReadResult() is null || !File.Exists(source.ModelPath))
            throw new TrainingException($"teacher {given} has not finished training; finish it with dna teacher --out {given} --resume");
        if (SpaceFile.ToJson(TrainRun.SpaceFor(config.SpaceName, data)) != SpaceFile.ToJson(space))
            throw new TrainingException(
                $"teacher {given} was trained in space {config.SpaceName}, this run searches {Config.SpaceName}: their blocks must line up; train one with dna teacher");
        source.LoadModel(data).Model.Dispose(); // refuses a teacher of other classes
        if (new TrainRun(TeacherFolder).ReadResult() is null) source.CopyFinishedTo(TeacherFolder);
    }

    private void CacheFeatures(SearchSpace space, DatasetSplits data, IProgress<PipelineEvent> progress)
    {
        var (teacher, _) = new TrainRun(TeacherFolder).LoadModel(data);
        using (teacher)
        {
            // Stratified and shuffled: calibration takes the first rows, and folder data sets come sorted by class.
            foreach (var (split, set) in new[] { ("train", data.Train.Sample(Config.FeatureImages, Config.Seed)), ("rating", data.Validation.Sample(Config.RatingImages, Config.Seed)) })
            {
                if (File.Exists(FeaturesPath(split))) continue;
                progress.Report(new PipelineEvent(DnaStage.Features, $"teacher block outputs for {set.Count} {split} images"));
                using var features = TeacherFeatures.Compute(teacher, set, data.Mean, data.Std);
                features.Save(FeaturesPath(split));
            }
        }
    }

    private void TrainBlocks(SearchSpace space, IProgress<PipelineEvent> progress, CancellationToken cancel)
    {
        var pending = new List<int>();
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            if (BlockTrainer.IsFinished(BlockCheckpoint(b), Config.BlockRecipe)) progress.Report(new PipelineEvent(DnaStage.Blocks, $"block {b + 1} trained earlier"));
            else pending.Add(b);
        }
        var fractions = new double[space.Blocks.Count];
        foreach (int b in Enumerable.Range(0, space.Blocks.Count).Except(pending)) fractions[b] = 1;
        void Report(JobProgress p)
        {
            fractions[p.Index] = p.Fraction;
            progress.Report(new PipelineEvent(DnaStage.Blocks, p.Message, fractions.Average(), p.Milestone));
        }

        if (Jobs is { Parallel: > 1 } jobs && pending.Count > 1)
        {
            progress.Report(new PipelineEvent(DnaStage.Blocks, $"training {pending.Count} blocks, {Math.Min(jobs.Parallel, pending.Count)} jobs at a time"));
            jobs.Run(JobRequest.Block, Folder, pending, TorchRuntime.Threads, Report, cancel);
            return;
        }
        using var features = TeacherFeatures.Load(FeaturesPath("train"));
        foreach (int b in pending)
        {
            var state = TrainBlock(space, b, features, Report, cancel);
            progress.Report(new PipelineEvent(DnaStage.Blocks, $"block {b + 1}: distillation mse {state.History[^1].Loss:F4}"));
        }
    }

    /// <summary>Trains one block's cell (resuming from its checkpoint); what a block job runs.</summary>
    public BlockTrainingState TrainBlock(int block, Action<JobProgress> progress, CancellationToken cancel = default)
    {
        var state = Stages.Load(resume: true);
        if (!state.Done.Contains(DnaStage.Features))
            throw new TrainingException($"{Folder}: the teacher's features are not cached yet; resume the run with dna run --resume");
        var space = SpaceFile.Load(SpacePath);
        if (block < 0 || block >= space.Blocks.Count) throw new ArgumentOutOfRangeException(nameof(block), $"the space has blocks 0-{space.Blocks.Count - 1}");
        using var features = TeacherFeatures.Load(FeaturesPath("train"));
        return TrainBlock(space, block, features, progress, cancel);
    }

    private BlockTrainingState TrainBlock(SearchSpace space, int block, TeacherFeatures features, Action<JobProgress> progress, CancellationToken cancel)
    {
        // Every block seeds its own weights, so blocks come out the same in any order or process.
        random.manual_seed(Config.Seed * 7919 + block);
        using var cell = new BlockSupernet(space, block);
        var trainer = new BlockTrainer(Config.BlockRecipe, Config.Seed);
        return trainer.Train(cell, features, BlockCheckpoint(block),
            new Reporter<(int Block, int Epoch, int Step, int Steps, double Loss)>(p => progress(new JobProgress(p.Block,
                ((p.Epoch - 1) + (double)p.Step / p.Steps) / Config.BlockRecipe.Epochs,
                $"block {p.Block + 1}/{space.Blocks.Count} epoch {p.Epoch}/{Config.BlockRecipe.Epochs} mse {p.Loss:F4}",
                Milestone: p.Step == p.Steps))), cancel);
    }

    private void RateBlocks(SearchSpace space, DatasetSplits data, IProgress<PipelineEvent> progress, CancellationToken cancel)
    {
        using var store = new RatingStore(RatingsPath);
        using var train = TeacherFeatures.Load(FeaturesPath("train"));
        using var rating = TeacherFeatures.Load(FeaturesPath("rating"));
        long total = Enumerable.Range(0, space.Blocks.Count).Sum(b => (long)space.CandidateCount(b));
        long rated = Enumerable.Range(0, space.Blocks.Count).Sum(store.Count);
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            var done = store.CompletedFirstOps(space, b);
            if (done.Count == space.Ops.Count) continue;
            using var cell = new BlockSupernet(space, b);
            BlockTrainer.LoadWeights(BlockCheckpoint(b), cell);
            using var scope = NewDisposeScope();
            int batches = Math.Max(1, Math.Min(Config.CalibrationBatches, train.Count / Config.CalibrationBatchSize));
            var calibration = Enumerable.Range(0, batches)
                .Select(i => train.Input(b, arange(i * Config.CalibrationBatchSize, Math.Min(train.Count, (i + 1) * Config.CalibrationBatchSize), dtype: ScalarType.Int64)))
                .ToArray();
            var validationInputs = new List<Tensor>();
            var validationTargets = new List<Tensor>();
            for (int start = 0; start < rating.Count; start += 256)
            {
                var rows = arange(start, Math.Min(rating.Count, start + 256), dtype: ScalarType.Int64);
                validationInputs.Add(rating.Input(b, rows));
                validationTargets.Add(rating.Target(b, rows));
            }
            var rater = new BlockRater(cell, new RatingData(calibration, validationInputs, validationTargets));
            int block = b;
            rater.RateAll(op => done.Contains(op), (op, ratings) =>
            {
                store.Add(space, op, ratings);
                rated += ratings.Count;
                progress.Report(new PipelineEvent(DnaStage.Rating, $"block {block + 1}: {store.Count(block):N0}/{space.CandidateCount(block):N0} candidates", (double)rated / total));
            }, cancel);
        }
        store.SetMeta("metric", "scaled_mae");
    }

    private void SearchArchitecture(SearchSpace space, IProgress<PipelineEvent> progress)
    {
        LatencyLimit? latency = Config.MaxTrainTimeRatio is { } ratio
            ? LatencyLimit.RelativeToBaseline(TrainingLatency(space, progress), space, Config.BudgetKind, Config.Budget, ratio)
            : null;
        var outcome = DnaSearch.Run(space, RatingsPath, Config.BudgetKind, Config.Budget, Config.TopK, latency);
        AtomicFile.WriteAllText(SearchPath, JsonSerializer.Serialize(outcome, JsonOptions.Indented));
        progress.Report(new PipelineEvent(DnaStage.Search, $"best under {outcome.Budget}: {outcome.Best.Architecture} ({outcome.Best.Params:N0} params, rating {outcome.Best.Rating:F4})"));
    }

    /// <summary>The run's latency table of a training step, measured once on this machine at the retraining batch size.</summary>
    private LatencyTable TrainingLatency(SearchSpace space, IProgress<PipelineEvent> progress)
    {
        if (File.Exists(LatencyPath)) return LatencyTable.FromJson(File.ReadAllText(LatencyPath), LatencyPath);
        progress.Report(new PipelineEvent(DnaStage.Search, "measuring the latency table: a training step of every op at every layer"));
        var table = LatencyProfiler.Measure(space, LatencyMode.Training, Config.RetrainRecipe.BatchSize,
            progress: new Reporter<string>(m => progress.Report(new PipelineEvent(DnaStage.Search, m, Milestone: false))));
        AtomicFile.WriteAllText(LatencyPath, table.ToJson());
        return table;
    }

    public SearchOutcome ReadSearch() =>
        JsonSerializer.Deserialize<SearchOutcome>(File.ReadAllText(SearchPath), JsonOptions.Compact)
        ?? throw new TrainingException($"{SearchPath} is empty; delete it and resume to search again");

    /// <summary>
    /// The searched network, and with parallel jobs the baseline beside it (same recipe and seed, so the comparison
    /// stays fair); run one after another, the baseline waits for its own stage.
    /// </summary>
    private void RetrainBoth(DatasetSplits data, IProgress<PipelineEvent> progress, CancellationToken cancel)
    {
        var pending = new[] { 0, 1 }.Where(i => new TrainRun(RetrainFolderOf(i)).ReadResult() is null).ToList();
        if (Jobs is { Parallel: > 1 } jobs && pending.Count > 1)
        {
            progress.Report(new PipelineEvent(DnaStage.Retrain, "training the searched network and the baseline side by side"));
            var fractions = new double[2];
            jobs.Run(JobRequest.Retrain, Folder, pending, TorchRuntime.Threads, p =>
            {
                fractions[p.Index] = p.Fraction;
                progress.Report(new PipelineEvent(DnaStage.Retrain, p.Message, fractions.Average(), p.Milestone));
            }, cancel);
        }
        Retrain(0, data, progress, cancel);
    }

    private string RetrainFolderOf(int which) => which == 0 ? RetrainFolder : BaselineFolder;

    private string RetrainArchitecture(int which, SearchSpace space) =>
        which == 0 ? ReadSearch().Best.Architecture : BaselineArchitecture(space).ToString();

    /// <summary>Trains (or resumes) the searched network (0) or the baseline (1); what a retrain job runs.</summary>
    public TrainRunResult RetrainJob(int which, Action<JobProgress> progress, CancellationToken cancel = default)
    {
        if (which is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(which), "0 is the searched network, 1 the baseline");
        if (!Stages.Load(resume: true).Done.Contains(DnaStage.Search))
            throw new TrainingException($"{Folder}: nothing is searched yet; resume the run with dna run --resume");
        var data = Datasets.Load(Config.Data);
        return Train(which, data, new Reporter<TrainProgress>(p => progress(new JobProgress(which, ((p.Epoch - 1) + (double)p.Step / p.Steps) / p.Epochs,
            $"{(which == 0 ? "searched" : "baseline")} epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F3} acc {p.Accuracy:P1}" + (p.Finished?.ValidationSuffix() ?? ""),
            p.Finished is not null))), cancel);
    }

    private void Retrain(int which, DatasetSplits data, IProgress<PipelineEvent> progress, CancellationToken cancel)
    {
        var stage = which == 0 ? DnaStage.Retrain : DnaStage.Baseline;
        var result = Train(which, data, Relay(stage, progress), cancel);
        progress.Report(new PipelineEvent(stage, $"{result.Architecture}: test accuracy {result.TestAccuracy:P2}, {result.Params:N0} params"));
    }

    private TrainRunResult Train(int which, DatasetSplits data, IProgress<TrainProgress> progress, CancellationToken cancel)
    {
        var run = new TrainRun(RetrainFolderOf(which));
        if (run.ReadResult() is { } finished) return finished;
        var config = new TrainRunConfig(Config.SpaceName, RetrainArchitecture(which, TrainRun.SpaceFor(Config.SpaceName, data)), Config.Data, Config.RetrainRecipe, Config.Seed);
        // Searched network and baseline get the same teacher when soft targets are on, so the comparison stays fair.
        var teacher = Config.RetrainRecipe.DistillationWeight > 0 ? new TrainRun(TeacherFolder).LoadModel(data).Model : null;
        using var _ = teacher;
        return run.Run(config, data, resume: true, progress, cancel: cancel, teacher: teacher);
    }

    /// <summary>This run's baseline: fixed by its space and budget, so the teacher can be it before any search.</summary>
    private Architecture BaselineArchitecture(SearchSpace space) => Baseline(space, Config.BudgetKind, Config.Budget);

    /// <summary>
    /// The hand-designed comparison, fixed before any search: a uniform MobileNetV2-style network (one op
    /// everywhere, a fixed depth per block), the most costly one in the budget's unit that fits it (the cheapest
    /// when none fits). The searched architecture fills the same budget, so the two cost about the same.
    /// </summary>
    public static Architecture Baseline(SearchSpace space, CostKind kind, long budget)
    {
        var options = new List<Architecture>();
        foreach (var op in space.Ops)
            for (int trim = 0; trim < space.Blocks.Max(b => b.Layers); trim++)
                options.Add(new Architecture(space.Blocks.Select(b =>
                {
                    int depth = Math.Max(b.MinLayers, b.Layers - trim);
                    return new Candidate(Enumerable.Range(0, b.Layers).Select(l => l < depth ? op : Space.Op.Skip));
                })));
        long Cost(Architecture a) => kind == CostKind.Params ? CostModel.Of(space, a).Params : CostModel.Of(space, a).Macs;
        var fitting = options.Where(a => Cost(a) <= budget).ToList();
        return fitting.Count > 0
            ? fitting.OrderByDescending(Cost).ThenBy(a => a.ToString(), StringComparer.Ordinal).First()
            : options.OrderBy(Cost).ThenBy(a => a.ToString(), StringComparer.Ordinal).First();
    }

    private static IProgress<TrainProgress> Relay(DnaStage stage, IProgress<PipelineEvent> progress) =>
        new Reporter<TrainProgress>(p => progress.Report(new PipelineEvent(stage,
            $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F3} acc {p.Accuracy:P1}" + (p.Finished?.ValidationSuffix() ?? ""),
            ((p.Epoch - 1) + (double)p.Step / p.Steps) / p.Epochs, Milestone: p.Finished is not null)));
}
