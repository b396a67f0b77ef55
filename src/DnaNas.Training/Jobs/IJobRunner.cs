namespace DnaNas.Training.Jobs;

/// <summary>What a job process does: which kind of work, in which run folder, which item, with how many torch threads.</summary>
public sealed record JobRequest(string Kind, string RunFolder, int Index, int Threads);

/// <summary>A progress line a job writes to its standard output (one JSON object a line).</summary>
public sealed record JobProgress(int Index, double Fraction, string Message, bool Milestone);

/// <summary>
/// Where a run's independent items (DNA's blocks, retrainings, ground-truth networks) are trained. Each item
/// checkpoints itself, so whatever runs them can stop at any time and a resume trains only what is missing.
/// Today: processes on this machine (<see cref="LocalProcessJobs"/>); a cluster engine plugs in here.
/// </summary>
public interface IJobRunner
{
    /// <summary>Items at once; 1 means the caller trains its items one after another in its own process.</summary>
    int Parallel { get; }

    /// <summary>Runs every item of <paramref name="kind"/> to completion, relaying progress; the first failure stops the rest and throws.</summary>
    void Run(string kind, string runFolder, IReadOnlyList<int> items, int threads, Action<JobProgress> progress, CancellationToken cancel);
}

/// <summary>
/// The kinds of job a job process can run, each registered by its method under the name a <see cref="JobRequest"/>
/// carries; the CLI fills it in one place (Plugins.cs).
/// </summary>
public static class JobKinds
{
    private static readonly Dictionary<string, Action<JobRequest, Action<JobProgress>, CancellationToken>> Kinds = new(StringComparer.Ordinal);

    public static void Register(string kind, Action<JobRequest, Action<JobProgress>, CancellationToken> run)
    {
        lock (Kinds)
        {
            if (Kinds.TryGetValue(kind, out var existing) && existing != run) throw new ArgumentException($"job kind \"{kind}\" is registered twice");
            Kinds[kind] = run;
        }
    }

    public static IReadOnlyList<string> Names { get { lock (Kinds) return Kinds.Keys.Order(StringComparer.Ordinal).ToList(); } }

    public static void Run(JobRequest request, Action<JobProgress> progress, CancellationToken cancel)
    {
        Action<JobRequest, Action<JobProgress>, CancellationToken>? run;
        lock (Kinds) Kinds.TryGetValue(request.Kind, out run);
        if (run is null) throw new ArgumentException($"unknown job kind \"{request.Kind}\": use {string.Join(", ", Names)}");
        run(request, progress, cancel);
    }
}
