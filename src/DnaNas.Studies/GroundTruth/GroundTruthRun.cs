using System.Text.Json;
using DnaNas.Data;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training.Jobs;
using DnaNas.Training;

namespace DnaNas.Studies;

/// <summary>
/// What ground truth is: <see cref="Count"/> architectures of a space spread over a cost range, each trained
/// stand-alone with one fixed recipe and seed. Count is not part of the identity: a rerun with another count
/// reuses every architecture the two samples share.
/// </summary>
public sealed record GroundTruthConfig(string SpaceName, DatasetRequest Data, TrainRecipe Recipe, CostKind StratifyBy, long Seed)
{
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
    private string ConfigPath => Path.Combine(Folder, "config.json");
    /// <summary>Named by the architecture, not its place in the plan, so a plan of another count finds it again.</summary>
    public string ArchitectureFolder(string architecture) => Path.Combine(Folder, "archs", TrainRunConfig.Hash(architecture));

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
    public IReadOnlyList<GroundTruthEntry> Run(int count, IProgress<JobProgress> progress, CancellationToken cancel = default)
    {
        if (File.Exists(ConfigPath) && Open(Folder).Config.Fingerprint() != Config.Fingerprint())
            throw new TrainingException($"{Folder} holds ground truth of another configuration; use another --out or delete it");
        Directory.CreateDirectory(Folder);
        AtomicFile.WriteAllText(ConfigPath, JsonSerializer.Serialize(Config, JsonOptions.Indented));

        var data = Datasets.Load(Config.Data);
        var space = TrainRun.SpaceFor(Config.SpaceName, data);
        var sample = CostStratifiedSampler.Sample(space, count,
            a => Config.StratifyBy == CostKind.Params ? CostModel.Of(space, a).Params : CostModel.Of(space, a).Macs, Config.Seed);
        using (var store = new GroundTruthStore(DatabasePath))
        {
            store.Plan(sample.Select((a, i) => Entry(space, i, a)).ToList());
            Collect(store);
            var pending = store.All().Where(e => !e.IsTrained).Select(e => e.Index).ToList();
            if (Jobs is { Parallel: > 1 } jobs && pending.Count > 1)
            {
                var fractions = new Dictionary<int, double>();
                jobs.Run(JobKind, Folder, pending, TorchRuntime.Threads, p =>
                {
                    fractions[p.Index] = p.Fraction;
                    progress.Report(p with { Fraction = (count - pending.Count + fractions.Values.Sum()) / count });
                }, cancel);
                Collect(store);
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
        var run = new TrainRun(ArchitectureFolder(entry.Architecture));
        if (run.ReadResult() is { } finished) return finished;
        var trainConfig = new TrainRunConfig(Config.SpaceName, entry.Architecture, Config.Data, Config.Recipe, Config.Seed);
        return run.Run(trainConfig, data, resume: true, new Reporter<TrainProgress>(p => progress.Report(new JobProgress(index,
            ((p.Epoch - 1) + (double)p.Step / p.Steps) / p.Epochs,
            $"{index + 1:D3} {entry.Architecture} epoch {p.Epoch}/{p.Epochs}" + (p.Finished?.ValidationSuffix() ?? ""),
            p.Finished is not null))), cancel: cancel);
    }

    /// <summary>Copies finished runs' accuracies into the index.</summary>
    private void Collect(GroundTruthStore store)
    {
        foreach (var e in store.All().Where(e => !e.IsTrained))
            if (new TrainRun(ArchitectureFolder(e.Architecture)).ReadResult() is { } r && r.Architecture == e.Architecture)
                store.Upsert(e with { ValidationAccuracy = r.ValidationAccuracy, TestAccuracy = r.TestAccuracy, TrainSeconds = r.TrainingSeconds });
    }

    private static GroundTruthEntry Entry(SearchSpace space, int index, Architecture a)
    {
        var cost = CostModel.Of(space, a);
        return new GroundTruthEntry(index, a.ToString(), cost.Params, cost.Macs, null, null, null);
    }
}
