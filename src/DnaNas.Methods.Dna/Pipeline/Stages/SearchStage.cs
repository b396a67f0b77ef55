using System.Text.Json;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Training.Hardware;

namespace DnaNas.Methods.Dna;

/// <summary>The exact search over the stored ratings under the budget (and the training-time limit, when asked).</summary>
public sealed class SearchStage : IStage<DnaRunContext>
{
    public string Name => "Search";

    public void Run(DnaRunContext c)
    {
        LatencyLimit? latency = c.Config.MaxTrainTimeRatio is { } ratio
            ? LatencyLimit.RelativeToBaseline(TrainingLatency(c), c.Space, c.Config.BudgetKind, c.Config.Budget, ratio)
            : null;
        var outcome = DnaSearch.Run(c.Space, c.Layout.RatingsPath, c.Config.BudgetKind, c.Config.Budget, c.Config.TopK, latency);
        AtomicFile.WriteAllText(c.Layout.SearchPath, JsonSerializer.Serialize(outcome, JsonOptions.Indented));
        c.Report(Name, $"best under {outcome.Budget}: {outcome.Best.Architecture} ({outcome.Best.Params:N0} params, rating {outcome.Best.Rating:F4})");
    }

    /// <summary>The run's latency table of a training step, measured once on this machine at the retraining batch size.</summary>
    private LatencyTable TrainingLatency(DnaRunContext c)
    {
        var path = c.Layout.LatencyPath;
        if (File.Exists(path))
        {
            var stored = LatencyTable.FromJson(File.ReadAllText(path), path);
            if (stored.Fingerprint is null || stored.Fingerprint == MachineFingerprint.Current) return stored;
            // A run resumed on another machine limits training time on this one.
            c.Report(Name, $"{path} was measured on another machine ({stored.Fingerprint}): measuring it again here");
        }
        c.Report(Name, "measuring the latency table: a training step of every op at every layer");
        var table = LatencyProfiler.Measure(c.Space, LatencyMode.Training, c.Config.RetrainRecipe.BatchSize,
            progress: new Reporter<string>(m => c.Report(Name, m, milestone: false)));
        AtomicFile.WriteAllText(path, table.ToJson());
        return table;
    }
}
