using DnaNas.Search;
using DnaNas.Search.Evolution;
using DnaNas.Search.MultiObjective;
using DnaNas.Space;
using DnaNas.Data;
using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <summary>A network on the front: its summed block rating (lower is better), costs and predicted time per image.</summary>
public sealed record ParetoPoint(string Architecture, double Rating, long Params, long Macs, double? Micros)
{
    /// <summary>Microseconds per image of the network timed whole, where it was measured.</summary>
    public double? MeasuredMicros { get; init; }

    /// <summary>The network trained with the run's retraining recipe and exported, when dna pareto --train chose it.</summary>
    public TrainedPoint? Trained { get; init; }
}

/// <summary>A front network trained stand-alone: its training folder, accuracies, and the verified ONNX model written from it.</summary>
public sealed record TrainedPoint(string Folder, double ValidationAccuracy, double TestAccuracy, string Onnx);

/// <summary>What dna pareto found: the front (best rating first), the objectives it traded, and how much it searched.</summary>
public sealed record ParetoOutcome(IReadOnlyList<ParetoPoint> Front, IReadOnlyList<string> Objectives, string Constraints, int Evaluated,
    int Generations, long Seed, string? LatencyTable);

/// <summary>
/// The trade-off between a DNA run's ratings and the costs of a network, searched by NSGA-II: each gene is one
/// block's candidate (all of them rated), objectives are the summed rating, parameters, MACs and, with a latency
/// table, predicted time, all minimised. Budgets and a latency limit are constraints, so the front is what fits.
/// The exact search answers "the best under this budget" (its top networks seed the population); this answers
/// "what does each step of budget buy".
/// </summary>
public static class ParetoFrontSearch
{
    public static ParetoOutcome Run(SearchSpace space, string ratingsPath, IReadOnlyList<Budget> limits, LatencyLimit? latency, LatencyTable? table,
        Nsga2Settings settings, long seed, IProgress<ParetoGeneration>? progress = null, CancellationToken cancel = default)
    {
        if (space.SearchesWidths)
            throw new TrainingException($"space {space.Name} searches widths; dna pareto searches fixed-width spaces (dna search finds the best under a budget there)");
        var timing = latency?.Table ?? table;
        timing?.CheckFor(space);
        if (!File.Exists(ratingsPath)) throw new TrainingException($"{ratingsPath} does not exist: rate the blocks first (dna run)");
        using var store = new RatingStore(ratingsPath);
        var blocks = DnaSearch.AllRatings(space, store);
        var fixedCost = CostModel.Stem(space) + CostModel.Head(space);
        double[][]? micros = timing is null ? null : blocks.Select((rows, b) => rows.Select(r => timing.Of(b, r.Candidate)).ToArray()).ToArray();

        ParetoPoint Point(int[] genes)
        {
            double rating = 0;
            long parameters = fixedCost.Params, macs = fixedCost.Macs;
            double sum = timing?.FixedMicros ?? 0;
            for (int b = 0; b < genes.Length; b++)
            {
                var r = blocks[b][genes[b]];
                rating += r.ScaledMae;
                parameters += r.Params;
                macs += r.Macs;
                if (micros is not null) sum += micros[b][genes[b]];
            }
            return new ParetoPoint(string.Join('/', genes.Select((g, b) => blocks[b][g].Candidate)), rating, parameters, macs, timing?.Predict(sum));
        }

        bool Feasible(int[] genes)
        {
            var p = Point(genes);
            return limits.All(l => (l.Kind == CostKind.Params ? p.Params : p.Macs) <= l.Limit) && (latency is null || p.Micros <= latency.MaxMicros);
        }

        // The exact search's best under the first budget (and the latency limit) start the population: NSGA-II alone,
        // seeing a few thousand of 1e8 networks, can miss the best-rated end of the front.
        // Under each budget in turn; NSGA-II drops a seed that breaks another.
        var index = blocks.Select(rows => rows.Select((r, i) => (r.Candidate, i)).ToDictionary(x => x.Candidate, x => x.i, StringComparer.Ordinal)).ToList();
        var known = (limits.Count > 0 ? limits : [new Budget(CostKind.Params, long.MaxValue / 4)])
            .SelectMany(budget => DnaSearch.Run(space, ratingsPath, budget.Kind, budget.Limit, Math.Max(1, settings.Population / 4), latency).Top)
            .Select(a => a.Architecture.Split('/').Select((c, b) => index[b][c]).ToArray()).ToList();

        var objectives = new List<string> { "rating", "params", "macs" };
        if (timing is not null) objectives.Add("micros");
        var genesSpace = new GeneSpace(blocks.Select(rows => rows.Count).ToArray());
        var result = new Nsga2(genesSpace, settings, Feasible, seed).Run(population => population.Select(genes =>
        {
            var p = Point(genes);
            var values = new List<double> { p.Rating, p.Params, p.Macs };
            if (p.Micros is { } us) values.Add(us);
            return (IReadOnlyList<double>)values;
        }).ToList(), progress, cancel, known);

        string constraints = string.Join(" and ", limits.Select(l => l.ToString()).Concat(latency is null ? [] : [latency.ToString()]));
        return new ParetoOutcome(result.Front.Select(i => Point(i.Genes)).ToList(), objectives, constraints.Length > 0 ? constraints : "none",
            result.Evaluated.Count, result.Generations.Count, seed, null);
    }

    /// <summary>
    /// Up to <paramref name="count"/> networks spread along the front by <paramref name="cost"/>: the cheapest, the
    /// best rated, and those between at evenly spaced costs, to time whole and to train.
    /// </summary>
    public static IReadOnlyList<ParetoPoint> Spread(IReadOnlyList<ParetoPoint> front, int count, Func<ParetoPoint, double> cost)
    {
        if (count <= 0 || front.Count == 0) return [];
        var byCost = front.OrderBy(cost).ThenBy(p => p.Rating).ToList();
        if (count >= byCost.Count) return byCost;
        // With more objectives than these two, the costliest network need not be the best rated: that one is chosen first.
        var best = front.MinBy(p => p.Rating)!;
        var chosen = new List<ParetoPoint> { best };
        double low = cost(byCost[0]), high = cost(byCost[^1]);
        for (int k = 0; chosen.Count < count; k++)
        {
            double target = count == 1 ? high : low + (high - low) * Math.Min(k, count - 1) / (count - 1);
            var nearest = byCost.Where(p => !chosen.Contains(p)).MinBy(p => Math.Abs(cost(p) - target))!;
            chosen.Add(nearest);
        }
        return chosen.OrderBy(cost).ToList();
    }
}

/// <summary>
/// Front networks trained as the run retrains its searched network (its recipe, data and seed), each in a training
/// folder of its own under <c>networks/</c>, resumable; what is shipped from a front.
/// </summary>
public static class ParetoTraining
{
    public static string FolderOf(string paretoFolder, int index) => Path.Combine(paretoFolder, "networks", $"net{index + 1}");

    public static IReadOnlyList<(ParetoPoint Point, string Folder, TrainRunResult Result)> Train(DnaRun run, IReadOnlyList<ParetoPoint> chosen, string paretoFolder,
        DatasetSplits data, Action<ParetoPoint, TrainProgress>? progress = null, CancellationToken cancel = default)
    {
        var trained = new List<(ParetoPoint, string, TrainRunResult)>();
        // With soft targets, the run's teacher teaches these too, as it taught the searched network and the baseline.
        var teacher = run.Config.RetrainRecipe.DistillationWeight > 0 ? new TrainRun(run.Layout.TeacherFolder).LoadModel(data).Model : null;
        using var _ = teacher;
        for (int i = 0; i < chosen.Count; i++)
        {
            var point = chosen[i];
            string folder = FolderOf(paretoFolder, i);
            var config = new TrainRunConfig(run.Config.SpaceName, point.Architecture, run.Config.Data, run.Config.RetrainRecipe, run.Config.Seed);
            var result = new TrainRun(folder).Run(config, data, resume: true, new Reporter<TrainProgress>(p => progress?.Invoke(point, p)), cancel: cancel, teacher: teacher);
            trained.Add((point, folder, result));
        }
        return trained;
    }
}
