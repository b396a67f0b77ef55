using System.Diagnostics;
using System.Text.Json;

namespace DnaNas.Training.Jobs;

/// <summary>
/// Independent items of a run (DNA's blocks, ground-truth architectures) trained in parallel processes on this machine. Processes,
/// not threads: libtorch's intra-op thread count is process-wide, and two OpenMP teams spinning in one process on
/// shared cores slow each other down many times over (torchsharp-tips section 2), so each job gets its own process
/// with its share of the threads and a passive wait policy. Each job checkpoints its own item, so a failed or killed
/// run resumes with the items still missing.
/// </summary>
/// <param name="Parallel">Jobs at once; 1 means the caller trains its items one after another in its own process.</param>
/// <param name="StartInfo">How to start a job's process (the CLI knows its own executable; the library does not).</param>
public sealed record LocalProcessJobs(int Parallel, Func<JobRequest, ProcessStartInfo> StartInfo) : IJobRunner
{
    /// <summary>
    /// One job a core, as many as there are items: libtorch scales poorly across threads on these small networks,
    /// so one-thread jobs side by side do more work. Measured on 2 cores (dna bench train, uniform k5e3 net, 30
    /// steps of 128): one two-thread job 440 img/s; two one-thread jobs at once 298 + 288 = 586 img/s (1.33x).
    /// </summary>
    public static int DefaultParallel(int cores, int items) => Math.Clamp(cores, 1, Math.Max(1, items));

    /// <summary>Threads per job: an even share of the threads the parent was given.</summary>
    public static int ThreadsPerJob(int threads, int parallel) => Math.Max(1, threads / Math.Max(1, parallel));

    /// <summary>
    /// Runs one job per item, at most <see cref="Parallel"/> at once, relaying their progress lines. The first failure
    /// kills the jobs still running and throws with the job's last error line.
    /// </summary>
    public void Run(string kind, string runFolder, IReadOnlyList<int> items, int threads, Action<JobProgress> progress, CancellationToken cancel)
    {
        var running = new List<(int Index, Process Process, List<string> Errors)>();
        var queue = new Queue<int>(items);
        var gate = new object();
        try
        {
            while (queue.Count > 0 || running.Count > 0)
            {
                cancel.ThrowIfCancellationRequested();
                while (queue.Count > 0 && running.Count < Parallel)
                {
                    int index = queue.Dequeue();
                    running.Add((index, Start(new JobRequest(kind, runFolder, index, ThreadsPerJob(threads, Parallel)), progress, gate, out var errors), errors));
                }
                int finished = WaitAny(running.Select(r => r.Process).ToArray(), cancel);
                var (doneIndex, done, doneErrors) = running[finished];
                running.RemoveAt(finished);
                done.WaitForExit(); // flushes the redirected streams
                int code = done.ExitCode;
                done.Dispose();
                if (code != 0)
                {
                    cancel.ThrowIfCancellationRequested(); // a job stopped by the same Ctrl+C is not a failure
                    string reason;
                    lock (doneErrors) reason = doneErrors.LastOrDefault() ?? "no message";
                    throw new TrainingException($"{kind} {doneIndex + 1}: job failed (exit code {code}): {reason}");
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

    private Process Start(JobRequest request, Action<JobProgress> progress, object gate, out List<string> errors)
    {
        var info = StartInfo(request);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        // Held open and never written: the job exits when it closes, that is when this process is gone.
        info.RedirectStandardInput = true;
        info.UseShellExecute = false;
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        var lines = new List<string>();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { Length: > 0 } line || !line.StartsWith('{')) return;
            var p = JsonSerializer.Deserialize<JobProgress>(line, JsonOptions.Compact);
            if (p is not null) lock (gate) progress(p);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) lock (lines) lines.Add(line); };
        if (!process.Start()) throw new TrainingException($"{request.Kind} {request.Index + 1}: could not start {info.FileName}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        errors = lines;
        return process;
    }

    private static int WaitAny(Process[] processes, CancellationToken cancel)
    {
        while (true)
        {
            for (int i = 0; i < processes.Length; i++)
            {
                if (processes[i].HasExited) return i;
                PeakMemory.NoteChild(PeakMemory.HighWater($"/proc/{processes[i].Id}/status"));
            }
            cancel.WaitHandle.WaitOne(50);
            cancel.ThrowIfCancellationRequested();
        }
    }
}
