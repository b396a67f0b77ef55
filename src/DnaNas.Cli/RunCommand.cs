using System.CommandLine;
using DnaNas.Data;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Methods.Dna;
using DnaNas.Training.Jobs;
using Spectre.Console;

namespace DnaNas.Cli;

/// <summary><c>dna run</c>: the whole DNA pipeline in one command, resumable; DNA+ (generations) and DNA++ (self-supervised) through it.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset")
        {
            Description = "quick (about 30 min on 2 cores on Fashion-MNIST), full (measured 141.3 min on 2 cores before its teacher stopped training on the rating images; about an hour more now) or tiny (a smoke test).",
            DefaultValueFactory = _ => "quick",
        };
        var choice = new DnaChoiceOptions(preset);
        var threads = CommonOptions.Threads();
        var softTargets = new Option<double>("--soft-targets")
        {
            Description = "Retrain (searched and baseline alike) with the teacher's logits as soft targets, at this weight (0-1; 0 = off).",
            DefaultValueFactory = _ => 0,
        };
        var blockSampling = new Option<string>("--block-sampling")
        {
            Description = "Which candidate each block-training step trains: uniform (over all candidates, DNA's rule) or depth-first (every depth an equal share).",
            DefaultValueFactory = _ => "uniform",
        };
        var teacher = new Option<string?>("--teacher")
        {
            Description = "A finished teacher folder (dna teacher) to distil from instead of training one; the baseline then trains on its own.",
        };
        var maxTrainTime = new Option<double?>("--max-train-time")
        {
            Description = "Keep the searched network's predicted training time (a per-op latency table measured before the search) at most this many times the baseline's (0: off; the full preset uses 1).",
        };
        var secondBaseline = new Option<bool>("--second-baseline")
        {
            Description = "Also retrain a second hand-designed network, MobileNetV2's layout (3x3, expansion 6, as deep as the budget allows), with the same recipe and seed: one training more.",
        };
        var timeBudget = new Option<string?>("--time-budget")
        {
            Description = "Fit the run to this wall-clock time on this machine (e.g. 30m, 1h30m): a short probe times the baseline network here, and the preset's epochs, training and feature subsets and rating images are scaled to fill the budget (plan.json; the report sets planned beside actual times). Holds the searched network to the baseline's training time unless --max-train-time says otherwise.",
        };
        var supervision = new Option<string>("--supervision")
        {
            Description = "What the block cells learn from: teacher (DNA: distil a teacher's block outputs) or self (DNA++: no teacher; two augmented views, a momentum target and an ensemble over paths, block after block).",
            DefaultValueFactory = _ => "teacher",
        };
        var generations = new Option<int>("--generations")
        {
            Description = "DNA+: search this many generations; each later one distils from the previous generation's searched network, deepened (--depth-multiplier) and retrained as its teacher. 1: plain DNA.",
            DefaultValueFactory = _ => 1,
        };
        var depthMultiplier = new Option<double>("--depth-multiplier")
        {
            Description = "DNA+: how many times deeper each later generation's teacher is than the searched network it scales (each block's layers, rounded up).",
            DefaultValueFactory = _ => ProgressiveConfig.DefaultDepthMultiplier,
        };
        var groundTruth = new Option<string?>("--ground-truth")
        {
            Description = "DNA+: a dna ground-truth folder of the same space and data; the report judges every generation's ratings against it (Kendall tau per generation and band, plotted). " +
                          "It decides nothing, so it can be given to a finished run with --resume, which then rewrites only the report and the run's copy of the ground truth.",
        };
        var output = new Option<string?>("--out") { Description = "Run folder (default: runs/dna-<preset>-seed<seed>; with --generations, runs/dnaplus-<preset>-seed<seed>)." };
        var resume = new Option<bool>("--resume") { Description = "Continue a stopped run at the stage and block where it stopped." };
        var jobs = new Option<int?>("--jobs")
        {
            Description = "Trainings at once (the blocks; the searched network beside the baseline), each in its own process with an even share of the threads (default: one a core).",
        };
        var command = new Command("run", "DNA end to end: teacher, block-wise distilled supernet, rating of every candidate, exact search, retraining, report; DNA+ with --generations, DNA++ (no teacher) with --supervision self.")
        {
            maxTrainTime, teacher, softTargets, blockSampling, secondBaseline, timeBudget, supervision, generations, depthMultiplier, groundTruth, threads, jobs, output, resume,
        };
        choice.AddTo(command);
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            TorchRuntime.Initialize(p.GetValue(threads));
            int generationCount = p.GetValue(generations);
            var folder = p.GetValue(output) ?? Path.Combine("runs", $"{(generationCount > 1 ? "dnaplus" : "dna")}-{p.GetValue(preset)}-seed{p.GetValue(choice.Seed)}");
            // Malformed options fail before the data loads.
            double? budgetSeconds = p.GetValue(timeBudget) is { } budgetText ? TimePlan.ParseDuration(budgetText) : null;
            if (ProgressiveConfig.Problem(generationCount, p.GetValue(depthMultiplier)) is { } problem)
                throw new ArgumentException(problem);
            KnownAccuracies? known = null;
            if (p.GetValue(groundTruth) is { } truthFolder)
            {
                if (generationCount < 2) throw new ArgumentException("--ground-truth judges the generations of a DNA+ run: add --generations 2 or more (a plain DNA run is judged by dna rank STUDY --ratings-of NAME=RUN)");
                known = Studies.GroundTruthRun.Open(truthFolder).Known();
            }
            var (config, space, data) = choice.Configure(p, folder,
                c => known?.Problem(c.SpaceName, c.Data) is { } early ? $"--ground-truth: {early}" : null);
            if (known?.Problem(config.SpaceName, config.Data, space) is { } truthProblem) throw new ArgumentException($"--ground-truth: {truthProblem}");
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
            var sampling = p.GetValue(blockSampling) switch
            {
                "uniform" => CandidateSampling.Uniform,
                "depth-first" => CandidateSampling.DepthFirst,
                var other => throw new ArgumentException($"--block-sampling must be uniform or depth-first, got \"{other}\""),
            };
            config = config with { BlockRecipe = config.BlockRecipe with { Sampling = sampling }, SecondBaseline = p.GetValue(secondBaseline) };
            switch (p.GetValue(supervision))
            {
                case "teacher": break;
                case "self":
                    if (config.TeacherRun is not null) throw new ArgumentException("--supervision self has no teacher; leave out --teacher");
                    if (generationCount > 1) throw new ArgumentException("--generations grows teachers; --supervision self has none");
                    if (soft > 0) throw new ArgumentException("--soft-targets needs a teacher; --supervision self has none");
                    config = config with { SelfSupervision = new SelfSupervisedRecipe() };
                    break;
                case var other: throw new ArgumentException($"--supervision must be teacher or self, got \"{other}\"");
            }
            if (space.SearchesWidths)
            {
                // Width cells are judged against a teacher's block outputs, through a projection to its channels.
                if (config.SelfSupervision is not null) throw new ArgumentException($"space {space.Name} searches widths, which only a teacher can judge so far: run it with --supervision teacher");
                if (generationCount > 1) throw new ArgumentException($"--generations makes the searched network the next teacher, whose widths must be the reference ones; space {space.Name} searches widths: run it without --generations");
                if (budgetSeconds is not null) throw new ArgumentException($"--time-budget forecasts one cell per block; space {space.Name} searches widths: run it without --time-budget");
            }
            if (config.SecondBaseline && MobileNetBaseline.For(space, config) is null)
                Console.WriteLine("no second baseline: this space has no MBConv op, or MobileNetV2's layout is the uniform baseline itself");
            int parallel = p.GetValue(jobs) ?? LocalProcessJobs.DefaultParallel(Environment.ProcessorCount, space.Blocks.Count);
            if (parallel < 1) throw new ArgumentException($"--jobs must be 1 or more, got {parallel}");
            var layout = DnaRunLayout.Of(folder, config);
            var loadedRequest = config.Data;
            TimePlan? plan = null;
            if (budgetSeconds is { } seconds)
            {
                if (p.GetValue(maxTrainTime) is null) config = config with { MaxTrainTimeRatio = 1.0 };
                (config, plan) = TimePlanner.PlanRun(layout, config, space, new RunSizes(data.Train.Count, data.Validation.Count, data.Test.Count),
                    seconds, p.GetValue(resume), parallel, generationCount, p.GetValue(depthMultiplier));
                Console.WriteLine($"time plan for {plan.BudgetSeconds / 60:0.#} min on this machine ({plan.Cpu}, {plan.Threads} threads): {plan.Scale:0.00}x the preset's steps, " +
                                  $"{config.RetrainRecipe.Epochs} epochs on {Math.Min(config.Data.MaxTrain ?? int.MaxValue, data.Train.Count):N0} training images, {config.BlockRecipe.Epochs} block epochs on " +
                                  $"{config.FeatureImages:N0} feature images, {config.RatingImages:N0} rating images; forecast {plan.PlannedSeconds / 60:F1} min");
            }
            else if (File.Exists(layout.PlanPath))
            {
                if (p.GetValue(resume))
                    throw new ArgumentException($"{folder} was planned with --time-budget {TimePlan.Read(layout.PlanPath).BudgetSeconds / 60:0.#}m; resume it with that option");
                // The plan of a run that never started its stages, which this run without a budget replaces.
                if (!File.Exists(layout.StatePath)) File.Delete(layout.PlanPath);
            }
            // A plan that keeps fewer training images loads its subset; otherwise the data loaded above serves.
            var loaded = config.Data == loadedRequest ? data : null;
            if (generationCount > 1)
            {
                RunGenerations(new ProgressiveConfig { Dna = config, Generations = generationCount, DepthMultiplier = p.GetValue(depthMultiplier) },
                    folder, p.GetValue(resume), parallel, loaded, p.GetValue(preset)!, plan, known);
                return 0;
            }
            var pipeline = new DnaRun(folder, config) { Jobs = new LocalProcessJobs(parallel, JobCommand.StartInfo) };
            Console.WriteLine($"DNA run in {folder}: preset {p.GetValue(preset)}, budget {new Budget(config.BudgetKind, config.Budget)}, seed {config.Seed}");
            PipelineDisplay.Run(progress => pipeline.Run(p.GetValue(resume), progress, CommonOptions.Cancellation, loaded: loaded));
            Console.WriteLine($"report: {pipeline.Layout.SummaryPath}");
            var search = pipeline.Layout.ReadSearch();
            Console.WriteLine($"searched: {search.Best.Architecture} ({search.Best.Params:N0} params)");
            foreach (var warning in DnaReport.MajorityWarnings(pipeline.Layout)) Console.WriteLine(warning);
            if (plan is not null)
                Console.WriteLine($"time: planned {plan.PlannedSeconds / 60:F1} min of the {plan.BudgetSeconds / 60:0.#} min budget, took {TimeBudgetReport.ActualSeconds(plan, pipeline.Layout.ReadState()) / 60:F1} min");
            return 0;
        }));
        return command;
    }

    private static void RunGenerations(ProgressiveConfig config, string folder, bool resume, int parallel, DatasetSplits? data, string preset, TimePlan? plan,
        KnownAccuracies? groundTruth)
    {
        var run = new ProgressiveRun(folder, config) { Jobs = new LocalProcessJobs(parallel, JobCommand.StartInfo), GroundTruth = groundTruth };
        Console.WriteLine($"DNA+ run in {folder}: {config.Generations} generations, preset {preset}, budget {new Budget(config.Dna.BudgetKind, config.Dna.Budget)}, seed {config.Dna.Seed}");
        PipelineDisplay.Run(progress => run.Run(resume, progress, CommonOptions.Cancellation, loaded: data), stages: []);
        Console.WriteLine($"report: {run.Layout.SummaryPath}");
        var last = run.Layout.Generation(config, config.Generations);
        var search = last.ReadSearch();
        Console.WriteLine($"searched (generation {config.Generations}): {search.Best.Architecture} ({search.Best.Params:N0} params)");
        foreach (var warning in DnaReport.MajorityWarnings(last)) Console.WriteLine(warning);
        if (plan is not null)
            Console.WriteLine($"time: planned {plan.PlannedSeconds / 60:F1} min of the {plan.BudgetSeconds / 60:0.#} min budget, took {TimeBudgetReport.ActualSeconds(plan, run.Layout.ReadState()) / 60:F1} min");
    }
}

/// <summary>
/// What dna run and dna teacher choose alike: the preset, the space (given, or derived from a folder of images), the
/// data, the seeds and the budget; the preset's schedules are sized for the data (<see cref="DnaConfig.SizedFor"/>).
/// </summary>
internal sealed class DnaChoiceOptions(Option<string> preset)
{
    public Option<string?> Space { get; } = CommonOptions.SpaceOrDerived();
    public Option<string> Dataset { get; } = CommonOptions.Dataset();
    public Option<string?> Data { get; } = CommonOptions.Data();
    public Option<long> Seed { get; } = CommonOptions.Seed();
    public Option<long> SplitSeed { get; } = CommonOptions.SplitSeed();
    public Option<long?> BudgetParams { get; } = CommonOptions.BudgetParams();
    public Option<long?> BudgetMacs { get; } = CommonOptions.BudgetMacs();

    public void AddTo(Command command)
    {
        command.Options.Insert(0, preset);
        foreach (var o in new Option[] { Space, Dataset, Data, BudgetParams, BudgetMacs, Seed, SplitSeed }) command.Options.Add(o);
    }

    /// <summary>
    /// The configuration for a run in <paramref name="folder"/>, its space (with the data's classes), and the data
    /// its schedules were sized for, loaded once for the run too.
    /// </summary>
    /// <param name="refuse">A one-line problem with the configuration that needs no data, checked before the data loads (null: none).</param>
    public (DnaConfig Config, SearchSpace Space, DatasetSplits Data) Configure(ParseResult p, string folder, Func<DnaConfig, string?>? refuse = null)
    {
        var kind = Datasets.ParseKind(p.GetValue(Dataset)!);
        var choice = SpaceChoice.Choose(p.GetValue(Space), kind, p.GetValue(Data), folder);
        string presetName = p.GetValue(preset)!;
        var config = DnaConfig.Preset(presetName, choice.Request(kind, p.GetValue(Data), p.GetValue(SplitSeed)), p.GetValue(Seed)) with { SpaceName = choice.SpaceName };
        if (refuse?.Invoke(config) is { } problem) throw new ArgumentException(problem);
        Console.WriteLine($"loading {Datasets.KindName(kind)} ...");
        var data = Datasets.Load(config.Data);
        var space = TrainRun.SpaceFor(config.SpaceName, data);
        config = config.SizedFor(data.Train.Count, DnaConfig.ReferenceTrainImages(presetName));
        config = CommonOptions.ReadBudget(p, BudgetParams, BudgetMacs) is { } budget
            ? config with { BudgetKind = budget.Kind, Budget = budget.Limit }
            : config with { Budget = choice.ScaleBudget(config.Budget) };
        return (config, space, data);
    }
}

/// <summary>One progress bar per pipeline stage on a terminal; plain lines otherwise.</summary>
internal static class PipelineDisplay
{
    /// <param name="stages">Bars shown from the start (default: DNA's stages); any other stage gets its bar when it reports.</param>
    public static void Run(Action<IProgress<PipelineEvent>> work, IReadOnlyList<string>? stages = null)
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
                var tasks = (stages ?? DnaRun.StageNames).ToDictionary(s => s, s => ctx.AddTask(s, autoStart: false, maxValue: 1));
                work(new Reporter<PipelineEvent>(e =>
                {
                    if (!tasks.TryGetValue(e.Stage, out var task)) tasks[e.Stage] = task = ctx.AddTask(e.Stage, autoStart: false, maxValue: 1);
                    if (!task.IsStarted) task.StartTask();
                    task.Description = $"{e.Stage}: {Markup.Escape(e.Message)}";
                    if (e.Fraction is { } f) task.Value = Math.Min(1, f);
                    if (e.Fraction >= 1) task.StopTask();
                    if (e.Milestone && e.Fraction is not null && e.Fraction < 1) AnsiConsole.MarkupLineInterpolated($"{e.Stage}: {e.Message}");
                }));
            });
    }
}
