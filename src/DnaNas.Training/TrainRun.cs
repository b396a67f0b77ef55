using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Space;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Training;

/// <summary>What <c>dna train</c> trains: a space, an architecture, data, a recipe and a seed.</summary>
public sealed record TrainRunConfig(string SpaceName, string Architecture, DatasetRequest Data, TrainRecipe Recipe, long Seed)
{
    /// <summary>Stable identity of everything that changes the result (not of where it is written).</summary>
    /// <remarks>
    /// A space given as a JSON file counts by its resolved content, not its path: editing the file and resuming
    /// would otherwise continue a different network.
    /// </remarks>
    public string Fingerprint() =>
        Hash(JsonSerializer.Serialize(this, JsonOptions.Compact) + SpaceFile.ToJson(BuiltinSpaces.Resolve(SpaceName)));

    public static string Hash(string text) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12].ToLowerInvariant();
}

/// <summary>Final numbers of a stand-alone training, written to <c>result.json</c>.</summary>
public sealed record TrainRunResult(string Space, string Architecture, long Params, long Macs, long Seed,
    double TestAccuracy, double TestLoss, double ValidationAccuracy, int Epochs,
    /* this invocation, data already loaded */ double WallSeconds, /* all epochs, across resumes */ double TrainingSeconds,
    double TrainImagesPerSecond, IReadOnlyList<EpochRecord> History, TrainRunConfig Config, RunEnvironment Environment,
    /* per-channel normalisation the model was trained with, for evaluation on other data */ float[] Mean, float[] Std,
    /* per-class test accuracy; null in results written before it was recorded */ ClassReport? TestClasses = null)
{
    /// <summary>Balanced test accuracy (mean recall over classes); NaN when the result predates it.</summary>
    public double BalancedAccuracy => TestClasses?.BalancedAccuracy ?? double.NaN;
}

/// <summary>
/// A training run as a folder: <c>config.json</c>, <c>checkpoint.bin</c> (resumable), <c>model.bin</c> (final weights)
/// and <c>result.json</c>. Each file is written atomically.
/// </summary>
public sealed class TrainRun(string folder)
{
    public string Folder { get; } = folder;
    public string ConfigPath => Path.Combine(Folder, "config.json");
    public string CheckpointPath => Path.Combine(Folder, "checkpoint.bin");
    public string ModelPath => Path.Combine(Folder, "model.bin");
    public string ResultPath => Path.Combine(Folder, "result.json");
    /// <summary>Held while a process trains in this folder (<see cref="Jobs.JobLease"/>).</summary>
    public string LeasePath => Path.Combine(Folder, "training.lease");

    /// <summary>
    /// The space a run trains on this data. A built-in space is a template and takes the data's class count; a space
    /// file states the data it was made for, so one that disagrees with the data in size, channels or classes is
    /// refused (<see cref="SpaceFit.Check"/>) rather than silently adapted.
    /// </summary>
    public static SearchSpace SpaceFor(string spaceName, DatasetSplits data)
    {
        var space = BuiltinSpaces.Resolve(spaceName);
        if (BuiltinSpaces.All.Any(builtin => ReferenceEquals(builtin, space))) space = space with { Classes = data.Train.ClassCount };
        SpaceFit.Check(space, new DataShape(data.Train.Height, data.Train.Channels, data.Train.ClassCount));
        return space;
    }

    public TrainRunResult Run(TrainRunConfig config, DatasetSplits data, bool resume, IProgress<TrainProgress>? progress = null,
        int? stopAfterEpoch = null, CancellationToken cancel = default, nn.Module<Tensor, Tensor>? teacher = null)
    {
        var clock = Stopwatch.StartNew();
        var space = SpaceFor(config.SpaceName, data);
        var arch = Space.Architecture.Parse(config.Architecture, space);
        if (!resume && File.Exists(CheckpointPath))
            throw new TrainingException($"{Folder} already holds a training run; pass --resume to continue it or choose another --out");
        Directory.CreateDirectory(Folder);
        // Before the checkpoint is read: a second process on this folder waits, then stops, instead of racing.
        using var lease = Jobs.JobLease.Take(LeasePath, $"The training in {Folder}", Jobs.JobLease.DefaultWait);
        AtomicFile.WriteAllText(ConfigPath, JsonSerializer.Serialize(config, JsonOptions.Indented));

        random.manual_seed(config.Seed);
        using var model = new MBConvNet(space, arch);
        var trainer = new Trainer(config.Recipe, config.Seed);
        var state = trainer.Train(model, data, config.Fingerprint(), CheckpointPath, resume, progress, stopAfterEpoch, cancel, teacher);
        if (state.CompletedEpochs < config.Recipe.Epochs)
            return Result(config, space, arch, model, state, double.NaN, double.NaN, clock.Elapsed.TotalSeconds, data.Mean, data.Std);

        // save(Stream) would close the stream before AtomicFile flushes it; a BinaryWriter leaves it open.
        AtomicFile.Write(ModelPath, s => { using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true); model.save(w); });
        var test = Evaluator.Evaluate(model, data.Test, data.Mean, data.Std);
        var result = Result(config, space, arch, model, state, test.Accuracy, test.Loss, clock.Elapsed.TotalSeconds, data.Mean, data.Std) with { TestClasses = test.Classes };
        AtomicFile.WriteAllText(ResultPath, JsonSerializer.Serialize(result, JsonOptions.Indented));
        return result;
    }

    private static TrainRunResult Result(TrainRunConfig config, SearchSpace space, Architecture arch, MBConvNet model,
        TrainingState state, double testAccuracy, double testLoss, double seconds, float[] mean, float[] std)
    {
        var cost = CostModel.Of(space, arch);
        var history = state.History;
        return new TrainRunResult(space.Name, arch.ToString(), cost.Params, cost.Macs, config.Seed, testAccuracy, testLoss,
            history.Count > 0 ? history[^1].ValidationAccuracy : double.NaN, state.CompletedEpochs, seconds,
            history.Sum(h => h.Seconds),
            history.Count > 0 ? history.Average(h => h.ImagesPerSecond) : 0, history, config, RunEnvironment.Capture(), mean, std);
    }

    /// <summary>The finished run's result, or null while it has none.</summary>
    public TrainRunResult? ReadResult() =>
        File.Exists(ResultPath) ? DurableJson.Read<TrainRunResult>(ResultPath, $"delete it to evaluate the trained model again (dna train --out {Folder} --resume)") : null;

    public TrainRunConfig ReadConfig()
    {
        if (!File.Exists(ConfigPath))
            throw new TrainingException($"{Folder} is not a training run (no config.json); give the folder dna train wrote");
        try
        {
            return JsonSerializer.Deserialize<TrainRunConfig>(File.ReadAllText(ConfigPath), JsonOptions.Compact)
                   ?? throw new TrainingException($"{ConfigPath} is empty");
        }
        catch (JsonException e) { throw new TrainingException($"{ConfigPath} is not valid ({e.Message})"); }
    }

    /// <summary>Copies a finished run's config, model and result (not its checkpoint) into another folder, result last.</summary>
    public void CopyFinishedTo(string folder)
    {
        var target = new TrainRun(folder);
        Directory.CreateDirectory(folder);
        foreach (var (from, to) in new[] { (ConfigPath, target.ConfigPath), (ModelPath, target.ModelPath), (ResultPath, target.ResultPath) })
            AtomicFile.Write(to, stream => { using var source = File.OpenRead(from); source.CopyTo(stream); });
    }

    /// <summary>Loads a finished run's model for evaluation.</summary>
    public (MBConvNet Model, TrainRunConfig Config) LoadModel(DatasetSplits data)
    {
        var config = ReadConfig();
        if (!File.Exists(ModelPath))
            throw new TrainingException($"{Folder} has no finished training (no model.bin); finish it with dna train --out {Folder} --resume");
        var space = SpaceFor(config.SpaceName, data);
        if (ReadResult() is { } trained && trained.Params != CostModel.Of(space, Space.Architecture.Parse(config.Architecture, space)).Params)
            throw new TrainingException(
                $"{Folder} was trained for another number of classes than {data.Train.ClassCount} ({data.Name}); evaluate it on data with the same classes");
        var model = new MBConvNet(space, Space.Architecture.Parse(config.Architecture, space));
        model.load(ModelPath);
        return (model, config);
    }
}
