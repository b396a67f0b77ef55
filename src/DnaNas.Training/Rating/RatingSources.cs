using DnaNas.Data;
using DnaNas.Space;

namespace DnaNas.Training;

/// <summary>
/// What a rating source may read to score architectures: the space, the folder where the methods of a study left
/// their trained parts (each source knows its own file there), the study's data, and the seed of anything random.
/// </summary>
public sealed record RatingContext(SearchSpace Space, string Folder, Func<DatasetSplits> Data, long Seed)
{
    /// <summary>Images that recalibrate batch norm before a supernet path is scored.</summary>
    public int CalibrationImages { get; init; } = 512;

    /// <summary>Validation images a supernet path is scored on.</summary>
    public int RatingImages { get; init; } = 1_000;
}

/// <summary>
/// Anything that scores architectures (higher is better): a method's ratings, a supernet's accuracy, a cost proxy.
/// Registered by name in <see cref="RatingSources"/>, which is how <c>dna study</c> and <c>dna rank</c> find them.
/// </summary>
public interface IRatingSource
{
    /// <summary>The name studies and reports use ("dna", "spos", "params").</summary>
    string Name { get; }

    /// <summary>Whether what it reads exists in <paramref name="context"/>'s folder yet (a study scores a source once its stage has run).</summary>
    bool IsReady(RatingContext context);

    IReadOnlyDictionary<string, double> Score(RatingContext context, IReadOnlyList<Architecture> architectures);
}

/// <summary>The rating sources in the order reports list them: methods first, in the order registered, cost proxies last.</summary>
public static class RatingSources
{
    private static readonly List<IRatingSource> Registered = [];
    private static readonly IRatingSource[] Proxies = [new CostRatingSource("params", c => c.Params), new CostRatingSource("macs", c => c.Macs)];

    /// <summary>Adds a source; a name already taken is an error, so a user's scores can never shadow a built-in one.</summary>
    public static void Register(IRatingSource source)
    {
        lock (Registered)
        {
            if (Find(source.Name) is { } existing && existing != source) throw new ArgumentException($"rating source \"{source.Name}\" is registered twice");
            if (!Registered.Contains(source)) Registered.Add(source);
        }
    }

    public static IReadOnlyList<IRatingSource> All { get { lock (Registered) return [.. Registered, .. Proxies]; } }

    public static IRatingSource? Find(string name)
    {
        lock (Registered) return Registered.Concat(Proxies).FirstOrDefault(s => s.Name == name);
    }

    public static bool IsBuiltIn(string name) => Find(name) is not null;

    /// <summary>The place of a source in reports: registered ones first, then anything else (a user's scores) by name.</summary>
    public static int Order(string name)
    {
        var all = All;
        for (int i = 0; i < all.Count; i++) if (all[i].Name == name) return i;
        return all.Count;
    }
}

/// <summary>A cost as a score: how far capacity alone predicts accuracy, the baseline every rating must beat.</summary>
public sealed class CostRatingSource(string name, Func<Cost, long> cost) : IRatingSource
{
    public string Name => name;
    public bool IsReady(RatingContext context) => true;

    public IReadOnlyDictionary<string, double> Score(RatingContext context, IReadOnlyList<Architecture> architectures) =>
        architectures.ToDictionary(a => a.ToString(), a => (double)cost(CostModel.Of(context.Space, a)));
}
