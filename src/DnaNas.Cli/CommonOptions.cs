using System.CommandLine;
using DnaNas.Data;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Cli;

/// <summary>Options several verbs share, and the error handling every verb uses.</summary>
internal static class CommonOptions
{
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Show the stack trace of an error.",
        Recursive = true,
    };

    public static Option<string> Space() => new("--space")
    {
        Description = "Search space: a built-in name (fmnist-mbconv, fmnist-mbconv-widths, fmnist-vit, fmnist-vit-widths, imagenet-dna) or a space JSON file.",
        DefaultValueFactory = _ => BuiltinSpaces.FmnistMbconv.Name,
    };

    /// <summary>--space for verbs that choose a space from the data when none is given (<see cref="SpaceChoice"/>).</summary>
    public static Option<string?> SpaceOrDerived() => new("--space")
    {
        Description = "Search space: a built-in name (fmnist-mbconv, fmnist-mbconv-widths, fmnist-vit, fmnist-vit-widths, imagenet-dna) or a space JSON file (default: fmnist-mbconv; with --dataset folder, one derived from the images).",
    };

    public static Option<string> Dataset() => new("--dataset")
    {
        Description = "fashion-mnist (default), folder (one sub-folder per class) or digits (sklearn's 8x8 digits).",
        DefaultValueFactory = _ => "fashion-mnist",
    };

    public static Option<string?> Data() => new("--data")
    {
        Description = $"Where the data set is: a folder (default for fashion-mnist: {Datasets.DefaultFashionMnistDir}).",
    };

    public static Option<int?> MaxTrain() => new("--max-train") { Description = "Use at most this many training images (quick runs)." };
    public static Option<int?> MaxValidation() => new("--max-validation") { Description = "Use at most this many validation images (quick runs)." };
    public static Option<int?> MaxTest() => new("--max-test") { Description = "Use at most this many test images (quick runs)." };

    public static Option<long> Seed() => new("--seed")
    {
        Description = "Seed of the run's random choices (weights, batch order, sampling); the data split has its own, --split-seed.",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>
    /// Kept apart from --seed so that runs compared across seeds rate and test on the same validation and test
    /// images; a difference between them is then the method's, not the split's.
    /// </summary>
    public static Option<long> SplitSeed() => new("--split-seed")
    {
        Description = "Seed of the validation/test split and of the --max-* subsets (default 0, the same for every --seed).",
        DefaultValueFactory = _ => 0,
    };

    public static Option<int?> Threads() => new("--threads")
    {
        Description = "Intra-op threads for libtorch (default: libtorch's choice, the number of cores).",
    };

    public static Option<long?> BudgetParams() => new("--budget-params") { Description = "At most this many parameters in the searched network." };
    public static Option<long?> BudgetMacs() => new("--budget-macs") { Description = "At most this many multiply-accumulates instead." };

    /// <summary>The budget given on the command line, null when neither option is; both at once is an error.</summary>
    public static Budget? ReadBudget(ParseResult p, Option<long?> budgetParams, Option<long?> budgetMacs) =>
        (p.GetValue(budgetParams), p.GetValue(budgetMacs)) switch
        {
            ({ } n, null) => new Budget(CostKind.Params, n),
            (null, { } m) => new Budget(CostKind.Macs, m),
            (null, null) => null,
            _ => throw new ArgumentException("give --budget-params N or --budget-macs N, not both"),
        };

    public static DatasetRequest DataRequest(ParseResult p, Option<string> dataset, Option<string?> data, SearchSpace space,
        Option<int?> maxTrain, Option<int?> maxValidation, Option<int?> maxTest, Option<long> splitSeed) =>
        new(Datasets.ParseKind(p.GetValue(dataset)!), p.GetValue(data), space.InputSize, space.InputChannels)
        {
            MaxTrain = p.GetValue(maxTrain),
            MaxValidation = p.GetValue(maxValidation),
            MaxTest = p.GetValue(maxTest),
            SplitSeed = p.GetValue(splitSeed),
        };

    private static readonly CancellationTokenSource Interrupt = new();

    /// <summary>Cancelled by the first Ctrl+C (or SIGTERM): long work stops at its next step, with its folder resumable.</summary>
    public static CancellationToken Cancellation => Interrupt.Token;

    /// <summary>
    /// The first Ctrl+C asks the work to stop at its next step (every stage checks between steps, and every output is
    /// written atomically); a second one ends the process at once.
    /// </summary>
    public static void StopOnInterrupt()
    {
        Console.CancelKeyPress += (_, e) =>
        {
            if (Interrupt.IsCancellationRequested) return;
            e.Cancel = true;
            Console.Error.WriteLine("stopping at the next step (Ctrl+C again to end at once)");
            Interrupt.Cancel();
        };
        _terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            Interrupt.Cancel();
        });
    }

    private static IDisposable? _terminate;

    /// <summary>How to continue a stopped command: the same command line with --resume.</summary>
    private static string ResumeHint()
    {
        var args = Environment.GetCommandLineArgs().Skip(1).Where(a => !a.EndsWith("dna.dll", StringComparison.Ordinal)).ToList();
        if (!args.Contains("--resume")) args.Add("--resume");
        return "dna " + string.Join(' ', args.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));
    }

    /// <summary>Runs a verb: known errors become one red line and exit code 1; --verbose adds the stack trace.</summary>
    public static int Run(ParseResult p, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is SpaceException or DatasetException or TrainingException or DnaNas.Export.ExportException or ArgumentException or IOException
                                       or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            if (p.GetValue(Verbose)) Console.Error.WriteLine(e);
            else Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"stopped; the folder is resumable: {ResumeHint()}");
            return 130;
        }
    }
}
