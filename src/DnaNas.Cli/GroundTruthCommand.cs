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
        var count = new Option<int>("--count") { Description = "Architectures to train, spread over the whole space (without --band or --protocol).", DefaultValueFactory = _ => 30 };
        var epochs = new Option<int?>("--epochs") { Description = "Training epochs of each (default 3; with --protocol, the protocol's)." };
        var maxTrain = new Option<int?>("--max-train") { Description = "Training images of each (default 10,000: a fixed subset, so 30 networks fit an hour on 2 cores; with --protocol, the protocol's)." };
        var protocol = new Option<string?>("--protocol")
        {
            Description = $"A frozen, named recipe recorded in every row ({string.Join(", ", GroundTruthProtocol.Known.Select(k => $"{k.Name}: {k.Recipe.Epochs} epochs on " + (k.MaxTrain is { } m ? $"{m:N0} images" : "the whole training split")))}); " +
                          "without --band it fills the bands the presets search (quick 150-250K, quick-wide 80-250K and full 350-500K parameters, 14 networks each, 7 of them with a second seed) and 12 over the whole space.",
        };
        var band = new Option<string[]>("--band")
        {
            Description = "A cost band to fill, NAME:MIN-MAX:COUNT[:SECOND_SEEDS] (repeatable, filled in order; the name spread means the whole space), e.g. quick:150000-250000:14:7.",
            AllowMultipleArgumentsPerToken = false,
        };
        var maxValidation = CommonOptions.MaxValidation();
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
            space, dataset, data, count, epochs, maxTrain, maxValidation, maxTest, protocol, band, stratify, seed, splitSeed, threads, jobs, output,
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
            if (p.GetValue(epochs) is < 1) throw new ArgumentException($"--epochs must be 1 or more, got {p.GetValue(epochs)}");
            var request = new DatasetRequest(Datasets.ParseKind(p.GetValue(dataset)!), p.GetValue(data), spaceDef.InputSize, spaceDef.InputChannels)
            {
                MaxTrain = p.GetValue(maxTrain) ?? 10_000,
                MaxValidation = p.GetValue(maxValidation),
                MaxTest = p.GetValue(maxTest),
                SplitSeed = p.GetValue(splitSeed),
            };
            GroundTruthConfig config;
            if (p.GetValue(protocol) is { } name)
            {
                if (p.GetValue(epochs) is not null || p.GetValue(maxTrain) is not null)
                    throw new ArgumentException($"--protocol {name} fixes the epochs and the training images: leave out --epochs and --max-train, or the protocol");
                config = GroundTruthConfig.For(GroundTruthProtocol.Resolve(name), p.GetValue(space)!, request, by, p.GetValue(seed));
            }
            else config = new GroundTruthConfig(p.GetValue(space)!, request, new TrainRecipe { Epochs = p.GetValue(epochs) ?? 3 }, by, p.GetValue(seed));
            var bands = (p.GetValue(band) ?? []).Select(CostBand.Parse).ToList();
            var plan = bands.Count > 0 ? new GroundTruthPlan(bands)
                : config.Protocol is not null ? GroundTruthPlan.PresetBands()
                : GroundTruthPlan.Spread(n);
            int parallel = p.GetValue(jobs) ?? LocalProcessJobs.DefaultParallel(Environment.ProcessorCount, n);
            if (parallel < 1) throw new ArgumentException($"--jobs must be 1 or more, got {parallel}");
            string folder = p.GetValue(output) ?? Path.Combine("runs", $"ground-truth-{spaceDef.Name}-{config.Fingerprint()}");
            var run = new GroundTruthRun(folder, config) { Jobs = new LocalProcessJobs(parallel, JobCommand.StartInfo) };
            string images = config.Data.MaxTrain is { } m ? $"{m:N0} images" : "the whole training split";
            string bandsText = string.Join(", ", plan.Bands.Select(b => (b.Name == CostBand.SpreadName && b.Max == long.MaxValue
                ? $"{b.Architectures} over the whole space" : $"{b.Name} {b.Min:N0}-{b.Max:N0}: {b.Architectures}") + (b.SecondSeeds > 0 ? $" ({b.SecondSeeds} with a second seed)" : "")));
            Console.WriteLine($"ground truth in {folder}: architectures of {spaceDef.Name} by {by.ToString().ToLowerInvariant()}, {bandsText}; " +
                              $"{config.Recipe.Epochs} epochs on {images} each{(config.Protocol is { } pn ? $" (protocol {pn})" : "")}, seed {config.Seed}, {parallel} job(s)");
            var entries = JobsDisplay.Run("ground truth", progress => run.Run(plan, progress, CommonOptions.Cancellation));

            var table = new Table().AddColumns("#", "band", "architecture", "seed", "params", "MACs", "validation", "test");
            foreach (var e in entries)
                table.AddRow((e.Index + 1).ToString(), e.Band, Markup.Escape(e.Architecture), (e.Seed ?? config.Seed).ToString(), e.Params.ToString("N0"), e.Macs.ToString("N0"),
                    $"{e.ValidationAccuracy:P2}", $"{e.TestAccuracy:P2}");
            AnsiConsole.Write(table);
            Console.WriteLine(BandSummary.Table(BandSummary.Of(entries, config.Seed)));
            Console.WriteLine($"stored in {run.DatabasePath}; bands and seed noise in {run.SummaryPath}");
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
