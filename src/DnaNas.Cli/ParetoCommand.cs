using System.CommandLine;
using DnaNas.Data;
using DnaNas.Export;
using DnaNas.Export.Latency;
using DnaNas.Methods.Dna;
using DnaNas.Search;
using DnaNas.Search.MultiObjective;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Cli;

/// <summary><c>dna pareto</c>: the trade-off front of a rated run by NSGA-II, with networks along it timed whole and plotted.</summary>
internal static class ParetoCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "Run folder of dna run (holds ratings.db)." };
        var budgetParams = CommonOptions.BudgetParams();
        var budgetMacs = CommonOptions.BudgetMacs();
        var latencyTable = new Option<string?>("--latency-table")
        {
            Description = "Latency table of dna bench latency --out (TorchSharp's or ONNX Runtime's, measured on this machine): predicted time becomes an objective.",
        };
        var maxLatency = new Option<double?>("--max-latency") { Description = "Keep only networks predicted at most this many microseconds per image (needs --latency-table)." };
        var population = new Option<int>("--population") { Description = "NSGA-II's population.", DefaultValueFactory = _ => 64 };
        var generations = new Option<int>("--generations") { Description = "NSGA-II's generations.", DefaultValueFactory = _ => 40 };
        var measure = new Option<int>("--measure")
        {
            Description = "Networks spread along the front by predicted time to time whole on this machine, as the table was measured (0: none).",
            DefaultValueFactory = _ => 6,
        };
        var train = new Option<int>("--train")
        {
            Description = "Networks spread along the front to train with the run's retraining recipe and seed, and export as verified ONNX models (0: none; each is a full retraining).",
        };
        var seed = CommonOptions.Seed();
        var output = new Option<string?>("--out") { Description = "Folder for front.json, summary.md and the plots (default: RUN/pareto)." };
        var command = new Command("pareto",
            "The Pareto front of a rated run by NSGA-II: summed rating against parameters, MACs and (with a latency table) predicted time; plots with networks timed whole.")
        {
            run, budgetParams, budgetMacs, latencyTable, maxLatency, population, generations, measure, train, seed, output,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            var folder = p.GetValue(run)!;
            var spacePath = Path.Combine(folder, "space.json");
            if (!File.Exists(spacePath)) throw new TrainingException($"{folder} is not a dna run folder (no space.json); give the folder dna run wrote");
            var space = SpaceFile.Load(spacePath);
            var limits = new List<Budget>();
            if (p.GetValue(budgetParams) is { } maxParams) limits.Add(new Budget(CostKind.Params, maxParams));
            if (p.GetValue(budgetMacs) is { } maxMacs) limits.Add(new Budget(CostKind.Macs, maxMacs));
            string? tablePath = p.GetValue(latencyTable);
            var table = tablePath is null ? null : SearchCommand.ReadLatencyTable(tablePath, space);
            if (p.GetValue(maxLatency) is { } us && table is null) throw new ArgumentException("--max-latency needs --latency-table: the table predicts the time it limits");
            if (p.GetValue(maxLatency) is <= 0) throw new ArgumentException("--max-latency must be positive");
            if (p.GetValue(measure) < 0 || p.GetValue(train) < 0) throw new ArgumentException("--measure and --train must be 0 or more");
            var latency = p.GetValue(maxLatency) is { } limit ? new LatencyLimit(table!, limit) : null;
            var settings = new Nsga2Settings { Population = p.GetValue(population), Generations = p.GetValue(generations) };

            var outcome = ParetoFrontSearch.Run(space, Path.Combine(folder, "ratings.db"), limits, latency, table, settings, p.GetValue(seed),
                new Reporter<ParetoGeneration>(g =>
                {
                    if (g.Generation % 10 == 0 || g.Generation == settings.Generations - 1)
                        Console.WriteLine($"generation {g.Generation + 1}/{settings.Generations}: {g.Evaluated:N0} evaluated, first front {g.FrontSize}");
                }), CommonOptions.Cancellation) with { LatencyTable = tablePath };

            if (table is not null && p.GetValue(measure) > 0)
            {
                TorchRuntime.Initialize(table.Runtime == LatencyRuntime.OnnxRuntime ? 1 : table.Threads);
                var chosen = ParetoFrontSearch.Spread(outcome.Front, p.GetValue(measure), q => q.Micros!.Value);
                var times = TableTiming.Measure(table, space, chosen.Select(q => Architecture.Parse(q.Architecture, space)).ToList());
                var timed = chosen.Select((q, i) => (q.Architecture, times[i])).ToDictionary(x => x.Architecture, x => x.Item2, StringComparer.Ordinal);
                outcome = outcome with { Front = outcome.Front.Select(q => timed.TryGetValue(q.Architecture, out var m) ? q with { MeasuredMicros = m } : q).ToList() };
            }
            string outFolder = p.GetValue(output) ?? Path.Combine(folder, "pareto");
            if (p.GetValue(train) > 0)
            {
                var run = DnaRun.Open(folder);
                var data = Datasets.Load(run.Config.Data);
                double Cost(ParetoPoint q) => q.Micros ?? q.Params;
                var chosen = ParetoFrontSearch.Spread(outcome.Front, p.GetValue(train), Cost);
                var trained = ParetoTraining.Train(run, chosen, outFolder, data, (q, t) =>
                {
                    if (t.Finished is not null) Console.WriteLine($"  {q.Architecture} epoch {t.Epoch}/{t.Epochs}{t.Finished.ValidationSuffix()}");
                }, CommonOptions.Cancellation);
                var shipped = new Dictionary<string, TrainedPoint>(StringComparer.Ordinal);
                for (int i = 0; i < trained.Count; i++)
                {
                    var (point, trainedFolder, result) = trained[i];
                    var onnx = Path.Combine(outFolder, "networks", $"net{i + 1}.onnx");
                    TrainedNetworkExport.Export(trainedFolder, onnx);
                    shipped[point.Architecture] = new TrainedPoint(Path.GetFullPath(trainedFolder), result.ValidationAccuracy, result.TestAccuracy, Path.GetFullPath(onnx));
                    Console.WriteLine($"trained and exported {point.Architecture}: validation {result.ValidationAccuracy:P2}, test {result.TestAccuracy:P2} -> {onnx}");
                }
                outcome = outcome with { Front = outcome.Front.Select(q => shipped.TryGetValue(q.Architecture, out var n) ? q with { Trained = n } : q).ToList() };
            }
            ParetoReport.Write(outFolder, outcome);

            Console.WriteLine($"front of {outcome.Front.Count} networks ({outcome.Evaluated:N0} evaluated; constraints: {outcome.Constraints}):");
            foreach (var q in outcome.Front)
                Console.WriteLine($"  rating {q.Rating:F4}  {q.Params,9:N0} params  {q.Macs,12:N0} MACs" +
                                  (q.Micros is { } predicted ? $"  {predicted,8:F1} us/image" : "") +
                                  (q.MeasuredMicros is { } m ? $"  measured {m:F1}" : "") + $"  {q.Architecture}");
            Console.WriteLine($"report: {Path.Combine(outFolder, "summary.md")}");
            return 0;
        }));
        return command;
    }
}
