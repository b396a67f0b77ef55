using System.CommandLine;
using System.Globalization;
using DnaNas.Data;
using DnaNas.Methods.Dna;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Training.Jobs;
using DnaNas.Studies;
using Spectre.Console;

namespace DnaNas.Cli;

/// <summary><c>dna study</c> runs a ranking study end to end; <c>dna rank</c> prints a study's ranking quality, optionally with your own scores.</summary>
internal static class StudyCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "default (about 150 min on 2 cores) or tiny (a smoke test).", DefaultValueFactory = _ => "default" };
        var space = CommonOptions.SpaceOrDerived();
        var dataset = CommonOptions.Dataset();
        var data = CommonOptions.Data();
        var seed = CommonOptions.Seed();
        var splitSeed = CommonOptions.SplitSeed();
        var threads = CommonOptions.Threads();
        var jobs = new Option<int?>("--jobs") { Description = "Trainings at once, each in its own process with an even share of the threads (default: one a core)." };
        var output = new Option<string?>("--out") { Description = "Study folder (default: runs/study-<preset>-seed<seed>)." };
        var resume = new Option<bool>("--resume") { Description = "Continue a stopped study at the stage where it stopped." };
        var groundTruth = new Option<string?>("--ground-truth")
        {
            Description = "Judge the sources against a ground truth trained apart (a dna ground-truth --out folder, with its cost bands and second seeds), as it stands, instead of training the study's own.",
        };
        var variants = new Option<string[]>("--dna-variant")
        {
            Description = "A change to the study's DNA run, rated as a source of its own (dna-NAME) beside DNA: NAME:KEY=VALUE,... with keys sampling (uniform, depth-first), " +
                          "block-epochs, teacher (an architecture) and teacher-epochs; repeatable. A variant that keeps the teacher adopts the study's.",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("study",
            "Ranking study: ground truth, DNA ratings, a SPOS supernet, plain and shifting evolutionary search, ranking quality of every source, report.")
        {
            preset, space, dataset, data, seed, splitSeed, threads, jobs, output, resume, groundTruth, variants,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            TorchRuntime.Initialize(p.GetValue(threads));
            string? external = p.GetValue(groundTruth) is { } g ? Path.GetFullPath(g) : null;
            if (external is not null && !File.Exists(Path.Combine(external, "ground-truth.db")))
                throw new ArgumentException($"--ground-truth {p.GetValue(groundTruth)}: no ground-truth.db there; give the --out folder of a dna ground-truth run");
            string folder = p.GetValue(output) ?? Path.Combine("runs", $"study-{p.GetValue(preset)}-seed{p.GetValue(seed)}");
            var kind = Datasets.ParseKind(p.GetValue(dataset)!);
            var choice = SpaceChoice.Choose(p.GetValue(space), kind, p.GetValue(data), folder);
            var config = RankingStudyConfig.Preset(p.GetValue(preset)!, choice.Request(kind, p.GetValue(data), p.GetValue(splitSeed)), p.GetValue(seed))
                .InSpace(choice.SpaceName, choice.Space, choice.BudgetScale) with
                {
                    GroundTruthFolder = external,
                    DnaVariants = p.GetValue(variants) is { Length: > 0 } given ? [.. given.Select(v => DnaVariant.Parse(v, choice.Space))] : null,
                };
            int parallel = p.GetValue(jobs) ?? LocalProcessJobs.DefaultParallel(Environment.ProcessorCount, config.GroundTruthCount);
            if (parallel < 1) throw new ArgumentException($"--jobs must be 1 or more, got {parallel}");
            var study = new RankingStudy(folder, config) { Jobs = new LocalProcessJobs(parallel, JobCommand.StartInfo) };
            Console.WriteLine(external is null
                ? $"ranking study in {folder}: preset {p.GetValue(preset)}, {config.GroundTruthCount} ground-truth architectures, seed {config.Seed}"
                : $"ranking study in {folder}: preset {p.GetValue(preset)}, judged on the ground truth in {external}, seed {config.Seed}");
            string? last = null;
            study.Run(p.GetValue(resume), new Reporter<(string Stage, string Message)>(e =>
            {
                if (last != e.Stage) Console.WriteLine($"== {e.Stage}");
                last = e.Stage;
                Console.WriteLine($"   {e.Message}");
            }), CommonOptions.Cancellation);
            PrintQualities(new RankingReport(study).Qualities());
            Console.WriteLine($"report: {Path.Combine(folder, "report.md")}");
            return 0;
        }));
        return command;
    }

    public static Command Rank()
    {
        var folder = new Argument<string>("study") { Description = "A study folder (dna study --out)." };
        var scores = new Option<string[]>("--scores")
        {
            Description = "Your own rating source: a CSV file of architecture,score lines (higher is better), named after the file, or NAME=FILE; repeatable. Architectures may be spelled in any valid form.",
            AllowMultipleArgumentsPerToken = false,
        };
        var ratingsOf = new Option<string[]>("--ratings-of")
        {
            Description = "A DNA run's ratings as a rating source: NAME=RUN, where RUN is a dna run folder in the study's space (a DNA+ run's generation-G folder too): each ground-truth architecture scored by its summed block ratings; repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var save = new Option<bool>("--save") { Description = "Store the given scores in the study's scores.db, so its report lists them (default: rank them without changing the study)." };
        var command = new Command("rank", "Ranking quality of every rating source of a study against its ground truth: Kendall tau, Spearman, top-k hits, local tau and regret, with bootstrap intervals.")
        {
            folder, scores, ratingsOf, save,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            string path = p.GetValue(folder)!;
            var configPath = Path.Combine(path, "config.json");
            if (!File.Exists(configPath)) throw new TrainingException($"{path} is not a study folder (no config.json); run dna study first");
            var study = new RankingStudy(path, DurableJson.Read<RankingStudyConfig>(configPath, "delete the study folder and run dna study again"));
            var space = study.SavedSpace();
            var given = new Dictionary<string, IReadOnlyDictionary<string, double>>();
            foreach (var spec in p.GetValue(scores) ?? [])
            {
                var (name, file) = SourceName(spec);
                if (RatingSources.IsBuiltIn(name) || given.ContainsKey(name))
                    throw new ArgumentException($"--scores {spec}: \"{name}\" is already a rating source ({string.Join(", ", RatingSources.All.Select(s => s.Name))}); give another name with NAME={file}");
                given[name] = ReadScores(file, space);
            }
            foreach (var spec in p.GetValue(ratingsOf) ?? [])
            {
                var (name, run) = SourceName(spec);
                if (RatingSources.IsBuiltIn(name) || given.ContainsKey(name))
                    throw new ArgumentException($"--ratings-of {spec}: \"{name}\" is already a rating source; give another name with NAME={run}");
                given[name] = DnaRunScores(run, space, study);
            }
            if (p.GetValue(save))
                using (var store = new ScoreStore(study.ScoresPath))
                    foreach (var (name, values) in given) store.Put(name, values);
            PrintQualities(new RankingReport(study).Qualities(given));
            return 0;
        }));
        return command;
    }

    /// <summary>NAME=FILE, or FILE named after itself.</summary>
    private static (string Name, string File) SourceName(string spec)
    {
        int eq = spec.IndexOf('=');
        return eq > 0 ? (spec[..eq], spec[(eq + 1)..]) : (Path.GetFileNameWithoutExtension(spec), spec);
    }

    /// <summary>A DNA run's summed block ratings of the study's ground-truth architectures (higher is better).</summary>
    private static IReadOnlyDictionary<string, double> DnaRunScores(string run, SearchSpace space, RankingStudy study)
    {
        var layout = new DnaRunLayout(Path.GetFullPath(run), TeacherIsBaseline: false);
        if (!File.Exists(layout.RatingsPath)) throw new ArgumentException($"--ratings-of {run}: no ratings.db there; give a dna run folder that has passed its Rating stage");
        if (File.Exists(layout.SpacePath) && layout.ReadSpace() != space)
            throw new ArgumentException($"--ratings-of {run}: that run searched another space than the study's {space.Name}");
        var architectures = study.TrueAccuracies().Select(e => Architecture.Parse(e.Architecture, space)).ToList();
        return new DnaRatingSource(Path.GetFileName(layout.Folder), layout.Folder).Score(study.RatingContext(space), architectures);
    }

    /// <summary>Scores by canonical architecture string, so any valid spelling (case, "id" for skip, spaces) matches the ground truth.</summary>
    private static Dictionary<string, double> ReadScores(string file, SearchSpace space)
    {
        if (!File.Exists(file)) throw new ArgumentException($"scores file {file} does not exist");
        var scores = new Dictionary<string, double>();
        int line = 0;
        foreach (var text in File.ReadLines(file))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text) || text.StartsWith('#') || (line == 1 && text.StartsWith("architecture", StringComparison.Ordinal))) continue;
            int comma = text.LastIndexOf(',');
            if (comma < 0 || !double.TryParse(text[(comma + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var score) || double.IsNaN(score))
                throw new ArgumentException($"{file} line {line}: expected architecture,score (e.g. k3e6|k5e3/k3e3/k3e3/k3e3,0.91)");
            Architecture architecture;
            try { architecture = Architecture.Parse(text[..comma].Trim(), space); }
            catch (SpaceException e) { throw new ArgumentException($"{file} line {line}: {e.Message}"); }
            scores[architecture.ToString()] = score;
        }
        return scores;
    }

    private static void PrintQualities(IReadOnlyList<SourceQuality> qualities)
    {
        var table = new Table().AddColumns("source", "n", "Kendall tau", "Spearman", "top-k hits", "local tau", "regret (points)");
        foreach (var q in qualities)
            table.AddRow(new[] { q.Source, q.Quality.Count.ToString(), q.Quality.KendallTau.Format("F3"), q.Quality.Spearman.Format("F3"),
                $"{q.Quality.TopHits.Format("F0")} of {q.Quality.K}", q.Quality.LocalTau.Format("F3"), q.Quality.RegretPoints.Format("F2") }.Select(Markup.Escape).ToArray());
        AnsiConsole.Write(table);
    }
}

/// <summary><c>dna transfer</c>: a study's supernet adapted to another data set by the shifting search, against training from scratch.</summary>
internal static class TransferCommand
{
    public static Command Create()
    {
        var study = new Option<string>("--study") { Description = "A study folder whose supernet to transfer (dna study --out).", Required = true };
        var dataset = CommonOptions.Dataset();
        dataset.DefaultValueFactory = _ => "digits";
        var data = CommonOptions.Data();
        var seed = CommonOptions.Seed();
        var splitSeed = CommonOptions.SplitSeed();
        var threads = CommonOptions.Threads();
        var output = new Option<string?>("--out") { Description = "Transfer folder (default: <study>/transfer-<dataset>); rerun on it to continue." };
        var population = new Option<int>("--population") { Description = "Evolution: architectures per generation.", DefaultValueFactory = _ => TransferConfig.DefaultEvolution.Population };
        var generations = new Option<int>("--generations") { Description = "Evolution: generations.", DefaultValueFactory = _ => TransferConfig.DefaultEvolution.Generations };
        var scratchEpochs = new Option<int>("--scratch-epochs") { Description = "Epochs of the from-scratch training of the found architecture.", DefaultValueFactory = _ => TransferConfig.DefaultScratchRecipe.Epochs };
        var command = new Command("transfer",
            "Give a study's trained supernet a fresh classifier for another data set (default: sklearn's 8x8 digits, resized), adapt it by the shifting search, and compare the found architecture with the same trained from scratch.")
        {
            study, dataset, data, population, generations, scratchEpochs, seed, splitSeed, threads, output,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            TorchRuntime.Initialize(p.GetValue(threads));
            string studyFolder = p.GetValue(study)!;
            var configPath = Path.Combine(studyFolder, "config.json");
            if (!File.Exists(configPath)) throw new TrainingException($"{studyFolder} is not a study folder (no config.json); run dna study first");
            var studyConfig = System.Text.Json.JsonSerializer.Deserialize<RankingStudyConfig>(File.ReadAllText(configPath), JsonOptions.Compact)
                              ?? throw new TrainingException($"{configPath} is empty");
            var space = BuiltinSpaces.Resolve(studyConfig.SpaceName);
            var kind = Datasets.ParseKind(p.GetValue(dataset)!);
            var config = new TransferConfig { Target = new DatasetRequest(kind, p.GetValue(data), space.InputSize, space.InputChannels) { SplitSeed = p.GetValue(splitSeed) }, Seed = p.GetValue(seed) };
            int pop = p.GetValue(population), gens = p.GetValue(generations);
            config = config with
            {
                Evolution = config.Evolution with
                {
                    Population = pop, Generations = gens, Parents = Math.Max(1, pop / 4), Mutations = Math.Max(1, 2 * pop / 5), Crossovers = Math.Max(1, 2 * pop / 5),
                },
                ScratchRecipe = config.ScratchRecipe with { Epochs = p.GetValue(scratchEpochs) },
            };
            config.Evolution.Validate();
            if (config.ScratchRecipe.Epochs < 1) throw new ArgumentException("--scratch-epochs must be 1 or more");
            string folder = p.GetValue(output) ?? Path.Combine(studyFolder, $"transfer-{Datasets.KindName(kind)}");
            var transfer = new SupernetTransfer(folder, new RankingStudy(studyFolder, studyConfig), config);
            var result = transfer.Run(new Reporter<string>(line => Console.WriteLine($"   {line}")));
            Console.WriteLine($"searched {result.Architecture} ({result.Params:N0} params): adapted supernet {result.SupernetTestAccuracy:P2}, from scratch {result.ScratchTestAccuracy:P2} test accuracy");
            Console.WriteLine($"report: {Path.Combine(folder, "report.md")}");
            return 0;
        }));
        return command;
    }
}
