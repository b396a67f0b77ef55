using System.CommandLine;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Methods.Dna;
using DnaNas.Data;
using DnaNas.Export.Latency;
using DnaNas.Training.Hardware;

namespace DnaNas.Cli;

/// <summary><c>dna search</c>: the best architectures of a rated run under a new budget, without retraining anything.</summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "Run folder of dna run (holds ratings.db)." };
        var budgetParams = CommonOptions.BudgetParams();
        var budgetMacs = CommonOptions.BudgetMacs();
        var top = new Option<int>("--top") { Description = "How many architectures to list, best first.", DefaultValueFactory = _ => 5 };
        var maxLatency = new Option<double?>("--max-latency") { Description = "Also at most this many microseconds per image by the latency table." };
        var maxLatencyRatio = new Option<double?>("--max-latency-ratio")
        {
            Description = "Also at most this many times the baseline's predicted time (the largest uniform network within the budget).",
        };
        var latencyTable = new Option<string?>("--latency-table")
        {
            Description = "Latency table of dna bench latency --out, TorchSharp's or ONNX Runtime's (--runtime onnx), measured on this machine (default: the run's latency.json).",
        };
        var measure = new Option<bool>("--measure")
        {
            Description = "Time each listed network whole on this machine, the way the latency table was measured (its runtime, batch and threads), beside its prediction.",
        };
        var command = new Command("search", "Find the architecture with the lowest sum of block ratings under a budget, exactly, from a run's ratings.")
        {
            run, budgetParams, budgetMacs, maxLatency, maxLatencyRatio, latencyTable, top, measure,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            var budget = CommonOptions.ReadBudget(p, budgetParams, budgetMacs)
                         ?? throw new ArgumentException("give a budget: --budget-params N or --budget-macs N");
            var folder = p.GetValue(run)!;
            var spacePath = Path.Combine(folder, "space.json");
            if (!File.Exists(spacePath)) throw new TrainingException($"{folder} is not a dna run folder (no space.json); give the folder dna run wrote");
            var space = SpaceFile.Load(spacePath);
            var latency = ReadLatencyLimit(p, folder, space, budget, maxLatency, maxLatencyRatio, latencyTable);
            if (p.GetValue(measure) && latency is null) throw new ArgumentException("--measure times networks the way a latency table was measured: give --max-latency or --max-latency-ratio with it");
            var outcome = DnaSearch.Run(space, Path.Combine(folder, "ratings.db"), budget.Kind, budget.Limit, Math.Max(1, p.GetValue(top)), latency);
            Console.WriteLine($"budget {outcome.Budget}: {outcome.Top.Count} best of {space.Size():N0} architectures in {outcome.Seconds * 1000:F0} ms");
            IReadOnlyList<double>? times = null;
            if (p.GetValue(measure))
            {
                TorchRuntime.Initialize(latency!.Table.Runtime == LatencyRuntime.OnnxRuntime ? 1 : latency.Table.Threads);
                times = TableTiming.Measure(latency.Table, space, outcome.Top.Select(a => Architecture.Parse(a.Architecture, space)).ToList());
            }
            for (int i = 0; i < outcome.Top.Count; i++)
            {
                var a = outcome.Top[i];
                string measured = times is null ? "" : $"  measured {times[i]:N0} us/image";
                Console.WriteLine($"{i + 1,3}. {a.Architecture}  rating {a.Rating:F4}  {a.Params:N0} params  {a.Macs:N0} MACs" +
                                  (a.Micros is { } us ? $"  {us:N0} us/image" : "") + measured);
            }
            return 0;
        }));
        return command;
    }

    /// <summary>A latency table for this space measured on this machine, or a one-line error naming the fix.</summary>
    internal static LatencyTable ReadLatencyTable(string path, SearchSpace space)
    {
        if (!File.Exists(path)) throw new TrainingException($"no latency table at {path}: measure one with dna bench latency --out {path}");
        var table = LatencyTable.FromJson(File.ReadAllText(path), path);
        table.CheckFor(space);
        MachineFingerprint.Check(table, path);
        return table;
    }

    internal static LatencyLimit? ReadLatencyLimit(ParseResult p, string folder, SearchSpace space, Budget budget,
        Option<double?> maxLatency, Option<double?> maxLatencyRatio, Option<string?> latencyTable)
    {
        double? micros = p.GetValue(maxLatency), ratio = p.GetValue(maxLatencyRatio);
        if (micros is null && ratio is null) return null;
        if (micros is not null && ratio is not null) throw new ArgumentException("give --max-latency or --max-latency-ratio, not both");
        if (micros is <= 0 || ratio is <= 0) throw new ArgumentException("a latency limit must be positive");
        string path = p.GetValue(latencyTable) ?? Path.Combine(folder, DnaRunLayout.LatencyFileName);
        var table = ReadLatencyTable(path, space);
        return micros is { } us ? new LatencyLimit(table, us) : LatencyLimit.RelativeToBaseline(table, space, budget.Kind, budget.Limit, ratio!.Value);
    }
}
