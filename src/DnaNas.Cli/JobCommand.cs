using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using DnaNas.Data;
using DnaNas.Training;
using DnaNas.Training.Jobs;

namespace DnaNas.Cli;

/// <summary>
/// <c>dna job</c> (hidden): one item of a started run in its own process, for <c>--jobs</c>. Progress goes to standard
/// output as one JSON object a line, for the parent to relay. Started by a parent, it exits as soon as the parent is
/// gone, however the parent went (its standard input closes), so a killed run leaves no job behind.
/// </summary>
internal static class JobCommand
{
    public static Command Create()
    {
        var kind = new Option<string>("--kind") { Description = "What to train: " + string.Join(", ", JobKinds.Names) + ".", Required = true };
        var run = new Option<string>("--run") { Description = "The run folder.", Required = true };
        var index = new Option<int>("--index") { Description = "Item index, from 0.", Required = true };
        var withParent = new Option<bool>("--exit-with-parent") { Description = "Exit when standard input closes (the parent is gone)." };
        var threads = CommonOptions.Threads();
        var command = new Command("job", "Train one item of a run (started by dna run, dna ground-truth or dna study with --jobs).") { Hidden = true };
        foreach (var o in new Option[] { kind, run, index, withParent, threads }) command.Options.Add(o);
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            if (p.GetValue(withParent)) ExitWhenStandardInputCloses();
            TorchRuntime.Initialize(p.GetValue(threads));
            void Print(JobProgress progress) => Console.WriteLine(JsonSerializer.Serialize(progress, JsonOptions.Compact));
            var request = new JobRequest(p.GetValue(kind)!, p.GetValue(run)!, p.GetValue(index), TorchRuntime.Threads);
            JobKinds.Run(request, Print, CommonOptions.Cancellation);
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The parent holds our standard input open and never writes to it; end of input means it has exited or was
    /// killed (a SIGKILL gives it no chance to stop us). Checkpoints are written atomically, so dying mid-step is safe.
    /// </summary>
    private static void ExitWhenStandardInputCloses()
    {
        var watcher = new Thread(() =>
        {
            using var input = Console.OpenStandardInput();
            var buffer = new byte[64];
            while (input.Read(buffer, 0, buffer.Length) > 0) { }
            Process.GetCurrentProcess().Kill();
        }) { IsBackground = true, Name = "parent watch" };
        watcher.Start();
    }

    /// <summary>This same executable with the job verb: the apphost directly, or dotnet with this assembly.</summary>
    public static ProcessStartInfo StartInfo(JobRequest job)
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") info.ArgumentList.Add(typeof(JobCommand).Assembly.Location);
        foreach (var arg in new[] { "job", "--kind", job.Kind, "--run", job.RunFolder, "--index", job.Index.ToString(), "--threads", job.Threads.ToString(), "--exit-with-parent" })
            info.ArgumentList.Add(arg);
        return info;
    }
}
