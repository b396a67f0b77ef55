using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using DnaNas.Data;
using DnaNas.Training;
using DnaNas.Methods.Dna;
using DnaNas.Studies;
using DnaNas.Training.Jobs;

namespace DnaNas.Cli;

/// <summary>
/// <c>dna job</c> (hidden): one item of a started run in its own process, for <c>--jobs</c>. Progress goes to standard output as one JSON object a line, for the parent to relay.
/// </summary>
internal static class JobCommand
{
    public static Command Create()
    {
        var kind = new Option<string>("--kind") { Description = $"{JobRequest.Block}, {JobRequest.Retrain} or {JobRequest.GroundTruth}.", Required = true };
        var run = new Option<string>("--run") { Description = "The run folder.", Required = true };
        var index = new Option<int>("--index") { Description = "Item index, from 0.", Required = true };
        var threads = CommonOptions.Threads();
        var command = new Command("job", "Train one item of a run (started by dna run, dna ground-truth or dna study with --jobs).") { Hidden = true };
        foreach (var o in new Option[] { kind, run, index, threads }) command.Options.Add(o);
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            TorchRuntime.Initialize(p.GetValue(threads));
            void Print(JobProgress progress) => Console.WriteLine(JsonSerializer.Serialize(progress, JsonOptions.Compact));
            string folder = p.GetValue(run)!;
            switch (p.GetValue(kind))
            {
                case JobRequest.Block: DnaPipeline.Open(folder).TrainBlock(p.GetValue(index), Print); break;
                case JobRequest.Retrain: DnaPipeline.Open(folder).RetrainJob(p.GetValue(index), Print); break;
                case JobRequest.GroundTruth: GroundTruthRun.Open(folder).TrainOne(p.GetValue(index), null, new Reporter<JobProgress>(Print)); break;
                default: throw new ArgumentException($"unknown job kind \"{p.GetValue(kind)}\": use {JobRequest.Block}, {JobRequest.Retrain} or {JobRequest.GroundTruth}");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>This same executable with the job verb: the apphost directly, or dotnet with this assembly.</summary>
    public static ProcessStartInfo StartInfo(JobRequest job)
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") info.ArgumentList.Add(typeof(JobCommand).Assembly.Location);
        foreach (var arg in new[] { "job", "--kind", job.Kind, "--run", job.RunFolder, "--index", job.Index.ToString(), "--threads", job.Threads.ToString() })
            info.ArgumentList.Add(arg);
        return info;
    }
}
