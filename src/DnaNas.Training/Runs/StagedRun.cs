using System.Diagnostics;
using System.Text.Json;

namespace DnaNas.Training;

/// <summary>One step of a staged run (a DNA run, a ranking study): does one thing over a shared context and returns only once its output is durable.</summary>
public interface IStage<in TContext>
{
    /// <summary>The name state.json records and progress shows ("Teacher", "Blocks").</summary>
    string Name { get; }

    void Run(TContext context);
}

/// <summary>What a staged run's <c>state.json</c> records: the configuration's fingerprint, the stages that are durable, and their seconds.</summary>
/// <param name="StagePeakBytes">Largest resident memory of each stage (<see cref="PeakMemory"/>); null in runs recorded before it was.</param>
public sealed record StageState(string Fingerprint, IReadOnlyList<string> Done, IReadOnlyDictionary<string, double> StageSeconds,
    IReadOnlyDictionary<string, long>? StagePeakBytes = null)
{
    /// <summary>Older runs recorded stage names in kebab case ("ground-truth"): both spellings name the same stage.</summary>
    public bool IsDone(string stage) => Done.Any(d => SameName(d, stage));

    public double Seconds(string stage) => StageSeconds.Where(kv => SameName(kv.Key, stage)).Sum(kv => kv.Value);

    private static bool SameName(string a, string b) => string.Equals(a.Replace("-", ""), b.Replace("-", ""), StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// A run folder worked through in stages. A stage is recorded as done only after it returns, that is after its
/// output is on disk, so a stopped run resumes at the stage it was in; a run started with another configuration is
/// refused rather than continued. The stages are objects over one context, so a method that repeats stages (DNA+'s
/// generations) runs the same list again over another context.
/// </summary>
public sealed class StagedRun(string folder, string fingerprint, string kind)
{
    public const string StateFileName = "state.json";
    private string StatePath => Path.Combine(folder, StateFileName);

    public StageState Load(bool resume)
    {
        if (!File.Exists(StatePath)) return new StageState(fingerprint, [], new Dictionary<string, double>());
        if (!resume) throw new TrainingException($"{folder} already holds a {kind}; pass --resume to continue it or choose another --out");
        var state = Read(StatePath);
        if (state.Fingerprint != fingerprint)
            throw new TrainingException($"{folder} was started with another configuration; use another --out or delete it");
        return state;
    }

    /// <summary>A run's recorded state, for reports and job processes; a damaged file is a one-line error naming it.</summary>
    public static StageState Read(string path) =>
        DurableJson.Read<StageState>(path, "delete it to rerun every stage (finished outputs are kept and reused where they are complete)");

    public void Save(StageState state) => AtomicFile.WriteAllText(StatePath, JsonSerializer.Serialize(state, JsonOptions.Indented));

    /// <summary>Runs the stages not done yet, in order.</summary>
    public StageState Run<TContext>(StageState state, IEnumerable<IStage<TContext>> stages, TContext context,
        Action<string, string> report, CancellationToken cancel)
    {
        foreach (var stage in stages)
        {
            if (state.IsDone(stage.Name)) { report(stage.Name, "done earlier"); continue; }
            cancel.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            // What the previous stage freed but glibc and the GC still hold would otherwise count as this stage's peak.
            Data.TorchRuntime.ReleaseFreedMemory();
            using var memory = PeakMemory.Start();
            try
            {
                stage.Run(context);
            }
            catch (TrainingException e) when (!e.Message.StartsWith(stage.Name + ":", StringComparison.Ordinal))
            {
                throw new TrainingException($"{stage.Name}: {e.Message}");
            }
            var seconds = new Dictionary<string, double>(state.StageSeconds) { [stage.Name] = state.Seconds(stage.Name) + clock.Elapsed.TotalSeconds };
            var peaks = new Dictionary<string, long>(state.StagePeakBytes ?? new Dictionary<string, long>()) { [stage.Name] = memory.Peak };
            state = state with { Done = [.. state.Done, stage.Name], StageSeconds = seconds, StagePeakBytes = peaks };
            Save(state);
            report(stage.Name, $"done in {clock.Elapsed.TotalSeconds:F0} s");
        }
        return state;
    }
}
