using System.Diagnostics;
using System.Text.Json;

namespace DnaNas.Training.Dna;

/// <summary>One block's training as its own process: which run folder, which block, how many torch threads.</summary>
public sealed record BlockJob(string RunFolder, int Block, int Threads);

/// <summary>A progress line a block job writes to its standard output (one JSON object a line).</summary>
public sealed record BlockJobProgress(int Block, int Epoch, int Step, int Steps, double Loss);

/// <summary>
/// Trains blocks in parallel processes. Processes, not threads: libtorch's intra-op thread count is process-wide,
/// and two OpenMP teams spinning in one process on shared cores slow each other down many times over
/// (torchsharp-tips section 2), so each job gets its own process with its share of the cores and a passive wait policy.
/// </summary>
/// <param name="Parallel">Jobs at once; 1 trains the blocks one after another in this process.</param>
/// <param name="StartInfo">How to start the job's process (the CLI knows its own executable; the library does not).</param>
public sealed record BlockJobs(int Parallel, Func<BlockJob, ProcessStartInfo> StartInfo)
{
    /// <summary>
    /// Parallel blocks pay only when each job still gets two cores or more: on 2 cores, two one-thread jobs measured
    /// no faster than one two-thread job (torchsharp-tips section 2), so the default is serial below 4 cores.
    /// </summary>
    public static int DefaultParallel(int cores, int blocks) => cores >= 4 ? Math.Clamp(cores / 2, 1, blocks) : 1;

    /// <summary>Threads per job: an even share of the threads the parent was given.</summary>
    public static int ThreadsPerJob(int threads, int parallel) => Math.Max(1, threads / Math.Max(1, parallel));

    /// <summary>
    /// Runs the given blocks' jobs, at most <see cref="Parallel"/> at once, relaying their progress lines. The first
    /// failure kills the jobs still running and throws with the job's last error line; a finished job's checkpoint is
    /// already durable, so a resumed run skips it.
    /// </summary>
    public void Run(string runFolder, IReadOnlyList<int> blocks, int threads, Action<BlockJobProgress> progress, CancellationToken cancel)
    {
        var running = new List<(int Block, Process Process, List<string> Errors)>();
        var queue = new Queue<int>(blocks);
        var gate = new object();
        try
        {
            while (queue.Count > 0 || running.Count > 0)
            {
                cancel.ThrowIfCancellationRequested();
                while (queue.Count > 0 && running.Count < Parallel)
                {
                    int block = queue.Dequeue();
                    var info = StartInfo(new BlockJob(runFolder, block, ThreadsPerJob(threads, Parallel)));
                    info.RedirectStandardOutput = true;
                    info.RedirectStandardError = true;
                    info.UseShellExecute = false;
                    info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
                    var errors = new List<string>();
                    var process = new Process { StartInfo = info };
                    process.OutputDataReceived += (_, e) =>
                    {
                        if (e.Data is not { Length: > 0 } line || !line.StartsWith('{')) return;
                        var p = JsonSerializer.Deserialize<BlockJobProgress>(line, JsonOptions.Compact);
                        if (p is not null) lock (gate) progress(p);
                    };
                    process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) lock (errors) errors.Add(line); };
                    if (!process.Start()) throw new TrainingException($"block {block + 1}: could not start {info.FileName}");
                    process.BeginOutputReadLine();
                    process.BeginErrorReadLine();
                    running.Add((block, process, errors));
                }
                int finished = WaitAny(running.Select(r => r.Process).ToArray(), cancel);
                var (doneBlock, done, doneErrors) = running[finished];
                running.RemoveAt(finished);
                done.WaitForExit(); // flushes the redirected streams
                int code = done.ExitCode;
                done.Dispose();
                if (code != 0)
                {
                    string reason;
                    lock (doneErrors) reason = doneErrors.LastOrDefault() ?? "no message";
                    throw new TrainingException($"block {doneBlock + 1}: training job failed (exit code {code}): {reason}");
                }
            }
        }
        finally
        {
            foreach (var (_, process, _) in running)
            {
                try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
                catch (InvalidOperationException) { }
                process.Dispose();
            }
        }
    }

    private static int WaitAny(Process[] processes, CancellationToken cancel)
    {
        while (true)
        {
            for (int i = 0; i < processes.Length; i++)
                if (processes[i].HasExited) return i;
            cancel.WaitHandle.WaitOne(50);
            cancel.ThrowIfCancellationRequested();
        }
    }
}
