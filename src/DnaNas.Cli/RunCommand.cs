using System.CommandLine;
using DnaNas.Data;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Methods.Dna;
using DnaNas.Training.Jobs;
using Spectre.Console;

namespace DnaNas.Cli;

/// <summary><c>dna run</c>: the whole DNA pipeline in one command, resumable.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset")
        {
            Description = "quick (about 30 min on 2 cores), full (measured 141.3 min on 2 cores) or tiny (a smoke test).",
            DefaultValueFactory = _ => "quick",
        };
        var dataset = CommonOptions.Dataset();
        var data = CommonOptions.Data();
        var seed = CommonOptions.Seed();
        var splitSeed = CommonOptions.SplitSeed();
        var threads = CommonOptions.Threads();
        var budgetParams = CommonOptions.BudgetParams();
        var budgetMacs = CommonOptions.BudgetMacs();
        var softTargets = new Option<double>("--soft-targets")
        {
            Description = "Retrain (searched and baseline alike) with the teacher's logits as soft targets, at this weight (0-1; 0 = off).",
            DefaultValueFactory = _ => 0,
        };
        var teacher = new Option<string?>("--teacher")
        {
            Description = "A finished teacher folder (dna teacher) to distil from instead of training one; the baseline then trains on its own.",
        };
        var maxTrainTime = new Option<double?>("--max-train-time")
        {
            Description = "Keep the searched network's predicted training time (a per-op latency table measured before the search) at most this many times the baseline's (0: off; the full preset uses 1).",
        };
        var output = new Option<string?>("--out") { Description = "Run folder (default: runs/dna-<preset>-seed<seed>)." };
        var resume = new Option<bool>("--resume") { Description = "Continue a stopped run at the stage and block where it stopped." };
        var jobs = new Option<int?>("--jobs")
        {
            Description = "Trainings at once (the blocks; the searched network beside the baseline), each in its own process with an even share of the threads (default: one a core).",
        };
        var command = new Command("run", "DNA end to end: teacher, block-wise distilled supernet, rating of every candidate, exact search, retraining, report.")
        {
            preset, dataset, data, budgetParams, budgetMacs, maxTrainTime, teacher, softTargets, seed, splitSeed, threads, jobs, output, resume,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            TorchRuntime.Initialize(p.GetValue(threads));
            var space = BuiltinSpaces.FmnistMbconv;
            var config = Configure(p, preset, dataset, data, seed, splitSeed, budgetParams, budgetMacs);
            if (p.GetValue(teacher) is { } given)
            {
                if (!Directory.Exists(given)) throw new ArgumentException($"--teacher {given}: no such folder; train one with dna teacher --out {given}");
                config = config with { TeacherRun = Path.GetFullPath(given) };
            }
            if (p.GetValue(maxTrainTime) is { } ratio)
                config = ratio >= 0 ? config with { MaxTrainTimeRatio = ratio > 0 ? ratio : null } : throw new ArgumentException($"--max-train-time must be 0 (off) or positive, got {ratio}");
            double soft = p.GetValue(softTargets);
            if (soft is < 0 or > 1) throw new ArgumentException($"--soft-targets must be between 0 and 1, got {soft}");
            if (soft > 0) config = config with { RetrainRecipe = config.RetrainRecipe with { DistillationWeight = soft } };
            var folder = p.GetValue(output) ?? Path.Combine("runs", $"dna-{p.GetValue(preset)}-seed{p.GetValue(seed)}");
            int parallel = p.GetValue(jobs) ?? LocalProcessJobs.DefaultParallel(Environment.ProcessorCount, space.Blocks.Count);
            if (parallel < 1) throw new ArgumentException($"--jobs must be 1 or more, got {parallel}");
            var pipeline = new DnaRun(folder, config) { Jobs = new LocalProcessJobs(parallel, JobCommand.StartInfo) };
            Console.WriteLine($"DNA run in {folder}: preset {p.GetValue(preset)}, budget {new Budget(config.BudgetKind, config.Budget)}, seed {config.Seed}");
            PipelineDisplay.Run(progress => pipeline.Run(p.GetValue(resume), progress));
            Console.WriteLine($"report: {Path.Combine(folder, "summary.md")}");
            var search = pipeline.Layout.ReadSearch();
            Console.WriteLine($"searched: {search.Best.Architecture} ({search.Best.Params:N0} params)");
            return 0;
        }));
        return command;
    }

    /// <summary>The preset's configuration with the data set, seed and budget given on the command line (dna run, dna teacher).</summary>
    public static DnaConfig Configure(ParseResult p, Option<string> preset, Option<string> dataset, Option<string?> data, Option<long> seed,
        Option<long> splitSeed, Option<long?> budgetParams, Option<long?> budgetMacs)
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var request = new DatasetRequest(Datasets.ParseKind(p.GetValue(dataset)!), p.GetValue(data), space.InputSize, space.InputChannels)
        {
            SplitSeed = p.GetValue(splitSeed),
        };
        var config = DnaConfig.Preset(p.GetValue(preset)!, request, p.GetValue(seed));
        // Default: the preset's budget.
        return CommonOptions.ReadBudget(p, budgetParams, budgetMacs) is { } budget ? config with { BudgetKind = budget.Kind, Budget = budget.Limit } : config;
    }
}

/// <summary>One progress bar per pipeline stage on a terminal; plain lines otherwise.</summary>
internal static class PipelineDisplay
{
    public static void Run(Action<IProgress<PipelineEvent>> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            string? last = null;
            work(new Reporter<PipelineEvent>(e =>
            {
                if (!e.Milestone) return;
                if (last != e.Stage) Console.WriteLine($"== {e.Stage}");
                last = e.Stage;
                Console.WriteLine($"   {e.Message}");
            }));
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var tasks = DnaRun.StageNames.ToDictionary(s => s, s => ctx.AddTask(s, autoStart: false, maxValue: 1));
                work(new Reporter<PipelineEvent>(e =>
                {
                    var task = tasks[e.Stage];
                    if (!task.IsStarted) task.StartTask();
                    task.Description = $"{e.Stage}: {Markup.Escape(e.Message)}";
                    if (e.Fraction is { } f) task.Value = Math.Min(1, f);
                    if (e.Fraction >= 1) task.StopTask();
                    if (e.Milestone && e.Fraction is not null && e.Fraction < 1) AnsiConsole.MarkupLineInterpolated($"{e.Stage}: {e.Message}");
                }));
            });
    }
}
