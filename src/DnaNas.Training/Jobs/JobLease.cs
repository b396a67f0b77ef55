namespace DnaNas.Training.Jobs;

/// <summary>
/// One item of a run is trained by one process at a time: a resumed run whose old job processes have not exited yet
/// would otherwise train the same block twice and race on its checkpoint. The lease is an exclusively opened file
/// (an advisory lock on Linux) that the operating system releases when its holder dies, however it dies.
/// </summary>
public sealed class JobLease : IDisposable
{
    private readonly FileStream _file;

    private JobLease(FileStream file) => _file = file;

    /// <summary>Takes the lease on (<paramref name="kind"/>, <paramref name="index"/>) in the run folder, waiting up to <paramref name="wait"/> for a holder to go.</summary>
    public static JobLease Take(string runFolder, string kind, int index, TimeSpan wait)
    {
        string folder = Path.Combine(runFolder, "leases");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, $"{kind}-{index}.lock");
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                return new JobLease(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
            catch (IOException)
            {
                throw new TrainingException($"{kind} {index + 1} of {runFolder} is being trained by another process; stop it (or wait for it) before resuming");
            }
        }
    }

    /// <summary>Long enough for the jobs of a killed parent to notice and exit (they poll every 100 ms).</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    public void Dispose() => _file.Dispose();
}
