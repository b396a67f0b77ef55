using System.CommandLine;
using DnaNas.Data;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Studies;
using DnaNas.Training.Jobs;
using Spectre.Console;

namespace DnaNas.Cli;

/// <summary><c>dna ground-truth</c>: architectures spread over a cost range, each trained stand-alone, for ranking studies.</summary>
internal static class GroundTruthCommand
{
    public static Command Create()
    {
        var space = CommonOptions.Space();
        var dataset = CommonOptions.Dataset();
        var data = CommonOptions.Data();
        var count = new Option<int>("--count") { Description = "Architectures to train.", DefaultValueFactory = _ => 30 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs of each.", DefaultValueFactory = _ => 3 };
        var maxTrain = new Option<int?>("--max-train") { Description = "Training images of each (default 10,000: a fixed subset, so 30 networks fit an hour on 2 cores)." };
        var maxTest = CommonOptions.MaxTest();
        var stratify = new Option<string>("--stratify") { Description = "Cost the sample is spread over: params or macs.", DefaultValueFactory = _ => "params" };
        var seed = CommonOptions.Seed();
        var splitSeed = CommonOptions.SplitSeed();
        var threads = CommonOptions.Threads();
        var jobs = new Option<int?>("--jobs") { Description = "Trainings at once, each in its own process with an even share of the threads (default: one a core)." };
        var output = new Option<string?>("--out") { Description = "Run folder (default: runs/ground-truth-<space>-<fingerprint>); rerun on it to continue." };
        var command = new Command("ground-truth",
            "Sample architectures stratified over cost, train each stand-alone with one recipe, store their accuracies (resumable).")
        {
            space, dataset, data, count, epochs, maxTrain, maxTest, stratify, seed, splitSeed, threads, jobs, output,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            TorchRuntime.Initialize(p.GetValue(threads));
            var spaceDef = BuiltinSpaces.Resolve(p.GetValue(space)!);
            var by = p.GetValue(stratify) switch
            {
                "params" => CostKind.Params,
                "macs" => CostKind.Macs,
                var other => throw new ArgumentException($"--stratify must be params or macs, got \"{other}\""),
            };
            int n = p.GetValue(count);
            if (n < 2) throw new ArgumentException($"--count must be 2 or more, got {n}");
            if (p.GetValue(epochs) < 1) throw new ArgumentException($"--epochs must be 1 or more, got {p.GetValue(epochs)}");
            var request = new DatasetRequest(Datasets.ParseKind(p.GetValue(dataset)!), p.GetValue(data), spaceDef.InputSize, spaceDef.InputChannels)
            {
                MaxTrain = p.GetValue(maxTrain) ?? 10_000,
                MaxTest = p.GetValue(maxTest),
                SplitSeed = p.GetValue(splitSeed),
            };
            var config = new GroundTruthConfig(p.GetValue(space)!, request, new TrainRecipe { Epochs = p.GetValue(epochs) }, by, p.GetValue(seed));
            int parallel = p.GetValue(jobs) ?? LocalProcessJobs.DefaultParallel(Environment.ProcessorCount, n);
            if (parallel < 1) throw new ArgumentException($"--jobs must be 1 or more, got {parallel}");
            string folder = p.GetValue(output) ?? Path.Combine("runs", $"ground-truth-{spaceDef.Name}-{config.Fingerprint()}");
            var run = new GroundTruthRun(folder, config) { Jobs = new LocalProcessJobs(parallel, JobCommand.StartInfo) };
            Console.WriteLine($"ground truth in {folder}: {n} architectures of {spaceDef.Name} spread over {by.ToString().ToLowerInvariant()}, " +
                              $"{config.Recipe.Epochs} epochs on {request.MaxTrain:N0} images each, seed {config.Seed}, {parallel} job(s)");
            var entries = JobsDisplay.Run("ground truth", progress => run.Run(n, progress));

            var table = new Table().AddColumns("#", "architecture", "params", "MACs", "validation", "test");
            foreach (var e in entries)
                table.AddRow((e.Index + 1).ToString(), Markup.Escape(e.Architecture), e.Params.ToString("N0"), e.Macs.ToString("N0"),
                    $"{e.ValidationAccuracy:P2}", $"{e.TestAccuracy:P2}");
            AnsiConsole.Write(table);
            Console.WriteLine($"stored in {run.DatabasePath}");
            return 0;
        }));
        return command;
    }
}

/// <summary>One progress bar over many jobs on a terminal; a line per milestone otherwise.</summary>
internal static class JobsDisplay
{
    public static T Run<T>(string title, Func<IProgress<JobProgress>, T> work)
    {
        if (!LiveBar.Available) return work(new Reporter<JobProgress>(p => { if (p.Milestone) Console.WriteLine($"   {p.Message}"); }));
        return LiveBar.Run(title, task => work(new Reporter<JobProgress>(p =>
        {
            task.Value = Math.Min(1, p.Fraction);
            task.Description = $"{title}: {Markup.Escape(p.Message)}";
            if (p.Milestone) AnsiConsole.MarkupLineInterpolated($"{p.Message}");
        })));
    }
}
