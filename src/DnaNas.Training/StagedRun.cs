using System.Diagnostics;
using System.Text.Json;

namespace DnaNas.Training;

/// <summary>What a staged run's <c>state.json</c> records: the configuration's fingerprint, the stages that are durable, and their seconds.</summary>
public sealed record StageState<TStage>(string Fingerprint, IReadOnlyList<TStage> Done, IReadOnlyDictionary<string, double> StageSeconds)
    where TStage : struct, Enum;

/// <summary>
/// A run folder worked through in stages (a DNA run, a ranking study). A stage is recorded as done only after it
/// returns, that is after its output is on disk, so a stopped run resumes at the stage it was in; a run started
/// with another configuration is refused rather than continued.
/// </summary>
public sealed class StagedRun<TStage>(string folder, string fingerprint, string kind) where TStage : struct, Enum
{
    private string StatePath => Path.Combine(folder, "state.json");

    public StageState<TStage> Load(bool resume)
    {
        if (!File.Exists(StatePath)) return new StageState<TStage>(fingerprint, [], new Dictionary<string, double>());
        if (!resume) throw new TrainingException($"{folder} already holds a {kind}; pass --resume to continue it or choose another --out");
        var state = JsonSerializer.Deserialize<StageState<TStage>>(File.ReadAllText(StatePath), JsonOptions.Compact)
                    ?? throw new TrainingException($"{StatePath} is empty; delete the folder to start over");
        if (state.Fingerprint != fingerprint)
            throw new TrainingException($"{folder} was started with another configuration; use another --out or delete it");
        return state;
    }

    public void Save(StageState<TStage> state) => AtomicFile.WriteAllText(StatePath, JsonSerializer.Serialize(state, JsonOptions.Indented));

    /// <summary>Runs the stages not done yet, in order; <paramref name="run"/> gets the state so far (a report stage reads the others' times).</summary>
    public StageState<TStage> Run(StageState<TStage> state, IEnumerable<TStage> stages, Action<TStage, StageState<TStage>> run,
        Action<TStage, string> report, CancellationToken cancel)
    {
        foreach (var stage in stages)
        {
            if (state.Done.Contains(stage)) { report(stage, "done earlier"); continue; }
            cancel.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            run(stage, state);
            string name = stage.ToString();
            var seconds = new Dictionary<string, double>(state.StageSeconds) { [name] = state.StageSeconds.GetValueOrDefault(name) + clock.Elapsed.TotalSeconds };
            state = state with { Done = [.. state.Done, stage], StageSeconds = seconds };
            Save(state);
            report(stage, $"done in {clock.Elapsed.TotalSeconds:F0} s");
        }
        return state;
    }
}
