using System.Text.Json;
using System.Text.Json.Serialization;
using DnaNas.Data;
using DnaNas.Methods.Dna;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training.Jobs;
using DnaNas.Training;

namespace DnaNas.Studies;

/// <summary>
/// What ground truth is: architectures of a space spread over cost bands (<see cref="GroundTruthPlan"/>), each trained
/// stand-alone with one fixed recipe, with the run's seed (and some with a second one). The plan is not part of the
/// identity: a rerun with other counts or bands reuses every training the two plans share.
/// </summary>
public sealed record GroundTruthConfig(string SpaceName, DatasetRequest Data, TrainRecipe Recipe, CostKind StratifyBy, long Seed)
{
    /// <summary>
    /// The <see cref="GroundTruthProtocol"/> the recipe and images come from, recorded in every row; null for a study's
    /// own recipe. Left out of the JSON when unset, so configurations written before it keep their fingerprints.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Protocol { get; init; }

    /// <summary>Ground truth by a named protocol: its recipe, and its number of training images of <paramref name="data"/>.</summary>
    public static GroundTruthConfig For(GroundTruthProtocol protocol, string spaceName, DatasetRequest data, CostKind stratifyBy, long seed) =>
        new(spaceName, data with { MaxTrain = protocol.MaxTrain }, protocol.Recipe, stratifyBy, seed) { Protocol = protocol.Name };

    public string Fingerprint() => TrainRunConfig.Hash(JsonSerializer.Serialize(this, JsonOptions.Compact));
}

/// <summary>
/// Trains the ground truth of a ranking study in a run folder: <c>config.json</c>, <c>ground-truth.db</c> (the
/// index), and one resumable training run per architecture in <c>archs/&lt;hash of its string&gt;/</c>. A killed run loses at most the
/// epoch in flight; finished architectures are never trained again.
/// </summary>
public sealed class GroundTruthRun(string folder, GroundTruthConfig config)
{
    public string Folder { get; } = folder;
    public GroundTruthConfig Config { get; } = config;
    public string DatabasePath => Path.Combine(Folder, "ground-truth.db");
    /// <summary>Each band's accuracy spread against its seed noise (<see cref="BandSummary"/>), rewritten after every training.</summary>
    public string SummaryPath => Path.Combine(Folder, "summary.md");
    private string ConfigPath => Path.Combine(Folder, "config.json");
    /// <summary>
    /// Named by the architecture (and a seed other than the run's), not its place in the plan, so a plan of another
    /// count finds it again.
    /// </summary>
    public string ArchitectureFolder(string architecture, long? seed = null) =>
        Path.Combine(Folder, "archs", TrainRunConfig.Hash(architecture) + (seed is { } s && s != Config.Seed ? $"-seed{s}" : ""));

    /// <summary>Trains in parallel processes when set with more than one job; else one after another here.</summary>
    public IJobRunner? Jobs { get; init; }

    /// <summary>The job kind of one ground-truth training.</summary>
    public const string JobKind = "ground-truth";

    public static GroundTruthRun Open(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        if (!File.Exists(path)) throw new TrainingException($"{folder} holds no ground truth (no config.json); start one with dna ground-truth");
        var config = JsonSerializer.Deserialize<GroundTruthConfig>(File.ReadAllText(path), JsonOptions.Compact)
                     ?? throw new TrainingException($"{path} is empty; delete the folder to start over");
        return new GroundTruthRun(folder, config);
    }

    /// <summary>Samples (or re-reads) the plan of <paramref name="count"/> architectures and trains those not trained yet.</summary>
    public IReadOnlyList<GroundTruthEntry> Run(int count, IProgress<JobProgress> progress, CancellationToken cancel = default) =>
        Run(GroundTruthPlan.Spread(count), progress, cancel);

    /// <summary>Samples (or re-reads) <paramref name="plan"/>'s trainings and trains those not trained yet, in the plan's order.</summary>
    public IReadOnlyList<GroundTruthEntry> Run(GroundTruthPlan plan, IProgress<JobProgress> progress, CancellationToken cancel = default)
    {
        if (File.Exists(ConfigPath) && Open(Folder).Config.Fingerprint() != Config.Fingerprint())
            throw new TrainingException($"{Folder} holds ground truth of another configuration; use another --out or delete it");
        Directory.CreateDirectory(Folder);
        AtomicFile.WriteAllText(ConfigPath, JsonSerializer.Serialize(Config, JsonOptions.Indented));

        var data = Datasets.Load(Config.Data);
        var space = TrainRun.SpaceFor(Config.SpaceName, data);
        var trainings = plan.Trainings(space, Config.StratifyBy, Config.Seed);
        int count = trainings.Count;
        using (var store = new GroundTruthStore(DatabasePath))
        {
            if (Config.Protocol is { } protocol) store.RequireProtocol(GroundTruthProtocol.Resolve(protocol));
            store.Plan(trainings.Select((t, i) => Entry(space, i, t)).ToList(), Config.Seed);
            Collect(store);
            var pending = store.All().Where(e => !e.IsTrained).Select(e => e.Index).ToList();
            if (Jobs is { Parallel: > 1 } jobs && pending.Count > 1)
            {
                // A batch of one job a slot at a time, the database updated after each: a session that ends mid-way
                // leaves every finished training in the database, which is what a later machine continues from.
                var fractions = new Dictionary<int, double>();
                foreach (var batch in pending.Chunk(jobs.Parallel))
                {
                    cancel.ThrowIfCancellationRequested();
                    jobs.Run(JobKind, Folder, batch, TorchRuntime.Threads, p =>
                    {
                        fractions[p.Index] = p.Fraction;
                        progress.Report(p with { Fraction = (count - pending.Count + fractions.Values.Sum()) / count });
                    }, cancel);
                    Collect(store);
                }
            }
            else
            {
                foreach (int index in pending)
                {
                    cancel.ThrowIfCancellationRequested();
                    int done = count - pending.Count + pending.IndexOf(index);
                    TrainOne(index, data, new Reporter<JobProgress>(p => progress.Report(p with { Fraction = (done + p.Fraction) / count })), cancel);
                    Collect(store);
                }
            }
            return store.All();
        }
    }

    /// <summary>Trains (or resumes) the plan's architecture at <paramref name="index"/>; what a ground-truth job runs.</summary>
    public TrainRunResult TrainOne(int index, DatasetSplits? data, IProgress<JobProgress> progress, CancellationToken cancel = default)
    {
        GroundTruthEntry entry;
        using (var store = new GroundTruthStore(DatabasePath))
            entry = store.All().FirstOrDefault(e => e.Index == index)
                    ?? throw new TrainingException($"{Folder} plans no architecture {index}; run dna ground-truth first");
        data ??= Datasets.Load(Config.Data);
        var run = new TrainRun(ArchitectureFolder(entry.Architecture, entry.Seed));
        if (run.ReadResult() is { } finished) return finished;
        var trainConfig = new TrainRunConfig(Config.SpaceName, entry.Architecture, Config.Data, Config.Recipe, entry.Seed ?? Config.Seed);
        return run.Run(trainConfig, data, resume: true, new Reporter<TrainProgress>(p => progress.Report(new JobProgress(index,
            ((p.Epoch - 1) + (double)p.Step / p.Steps) / p.Epochs,
            $"{index + 1:D3} {entry.Architecture} epoch {p.Epoch}/{p.Epochs}" + (p.Finished?.ValidationSuffix() ?? ""),
            p.Finished is not null))), cancel: cancel);
    }

    /// <summary>Copies finished runs' accuracies into the index, and rewrites the summary.</summary>
    private void Collect(GroundTruthStore store)
    {
        CollectResults(store);
        AtomicFile.WriteAllText(SummaryPath, Summary(store.All()));
    }

    /// <summary>
    /// What the ground truth knows so far, as a DNA+ run judges its generations with it: every trained network's test
    /// accuracy (the mean over its seeds) and band, and each band's spread against its seed noise.
    /// </summary>
    public KnownAccuracies Known()
    {
        IReadOnlyList<GroundTruthEntry> entries;
        using (var store = new GroundTruthStore(DatabasePath)) entries = store.All();
        return new KnownAccuracies(Path.GetFullPath(Folder), Config.Protocol ?? $"a study's own ({Config.Recipe.Epochs} epochs)", Config.SpaceName,
            KnownAccuracies.DatasetOf(Config.Data), DateTimeOffset.UtcNow,
            TrueAccuracy.Of(entries).Select(t => new KnownAccuracy(t.Architecture, t.Band, t.Test)).ToList(),
            BandSummary.Of(entries, Config.Seed).Select(b => new KnownBand(b.Band, b.SpreadOverNoise)).ToList(), BandSummary.JudgingRatio);
    }

    /// <summary>What the ground truth holds so far: its protocol and data, and each band's spread against its seed noise.</summary>
    public string Summary(IReadOnlyList<GroundTruthEntry> entries)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine($"# Ground truth of {Config.SpaceName}");
        text.AppendLine();
        string images = Config.Data.MaxTrain is { } m ? $"{m:N0} training images" : "the whole training split";
        text.AppendLine($"Protocol: {Config.Protocol ?? "the study's own"} ({Config.Recipe.Epochs} epochs, batch {Config.Recipe.BatchSize}, lr {Config.Recipe.LearningRate}, on {images} of " +
                        $"{Datasets.KindName(Config.Data.Kind)}, split seed {Config.Data.SplitSeed}); trainer {GroundTruthProtocol.DnaNasTrainer}; first seed {Config.Seed}, second seed {Config.Seed + 1}. " +
                        $"{entries.Count(e => e.IsTrained)} of {entries.Count} trainings done; CPUs: {string.Join(", ", entries.Select(e => e.Cpu).OfType<string>().Distinct())}.");
        text.AppendLine();
        text.AppendLine("Accuracies are test accuracies: the ground truth judges rating sources and chooses nothing. A default chosen from it is chosen on the validation accuracies stored beside them.");
        text.AppendLine();
        text.Append(BandSummary.Table(BandSummary.Of(entries, Config.Seed)));
        return text.ToString();
    }

    private void CollectResults(GroundTruthStore store)
    {
        foreach (var e in store.All().Where(e => !e.IsTrained))
            if (new TrainRun(ArchitectureFolder(e.Architecture, e.Seed)).ReadResult() is { } r && r.Architecture == e.Architecture)
                store.Upsert(e with
                {
                    ValidationAccuracy = r.ValidationAccuracy, TestAccuracy = r.TestAccuracy, TrainSeconds = r.TrainingSeconds,
                    Trainer = GroundTruthProtocol.DnaNasTrainer, Cpu = r.Environment.Cpu,
                });
    }

    private GroundTruthEntry Entry(SearchSpace space, int index, PlannedTraining training)
    {
        var cost = CostModel.Of(space, training.Architecture);
        return new GroundTruthEntry(index, training.Architecture.ToString(), cost.Params, cost.Macs, null, null, null)
        {
            Band = training.Band, Seed = training.Seed, Protocol = Config.Protocol,
        };
    }
}
