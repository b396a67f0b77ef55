namespace DnaNas.Training.Jobs;

/// <summary>
/// One item of a run (a block's cell, a network's training) is trained by one process at a time: a resumed run whose
/// old job processes have not exited yet would otherwise train the same item twice and race on its checkpoint. The
/// lease is a file opened exclusively (FileShare.None, an flock(2) lock on Linux) that the operating system releases
/// when its holder dies, however it dies. It is taken where the checkpoint is read, so job processes and in-process
/// training are covered alike.
/// </summary>
public sealed class JobLease : IDisposable
{
    private readonly FileStream _file;

    private JobLease(FileStream file) => _file = file;

    /// <summary>
    /// Takes the lease held in <paramref name="path"/>, waiting up to <paramref name="wait"/> for a holder to let go;
    /// after that, a one-line error that names <paramref name="what"/> is being trained elsewhere.
    /// </summary>
    public static JobLease Take(string path, string what, TimeSpan wait)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
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
                throw new TrainingException($"{what} is being trained by another process (it holds {path}); stop that process, or let it finish, before resuming");
            }
        }
    }

    /// <summary>Long enough for the jobs of a killed parent to notice and exit (they poll every 100 ms).</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    public void Dispose() => _file.Dispose();
}
