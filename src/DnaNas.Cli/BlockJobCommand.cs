using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using DnaNas.Data;
using DnaNas.Training;
using DnaNas.Training.Dna;

namespace DnaNas.Cli;

/// <summary>
/// <c>dna block-job</c> (hidden): trains one block of a started DNA run, for <c>dna run --block-jobs</c>.
/// Progress goes to standard output as one JSON object a line, for the parent to relay.
/// </summary>
internal static class BlockJobCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "The DNA run folder.", Required = true };
        var block = new Option<int>("--block") { Description = "Block index, from 0.", Required = true };
        var threads = CommonOptions.Threads();
        var command = new Command("block-job", "Train one block of a DNA run (started by dna run --block-jobs).") { Hidden = true };
        command.Options.Add(run);
        command.Options.Add(block);
        command.Options.Add(threads);
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            TorchRuntime.Initialize(p.GetValue(threads));
            var pipeline = DnaPipeline.Open(p.GetValue(run)!);
            pipeline.TrainBlock(p.GetValue(block), progress => Console.WriteLine(JsonSerializer.Serialize(progress, JsonOptions.Compact)));
            return 0;
        }));
        return command;
    }

    /// <summary>This same executable with the block-job verb: the apphost directly, or dotnet with this assembly.</summary>
    public static ProcessStartInfo StartInfo(BlockJob job)
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") info.ArgumentList.Add(typeof(BlockJobCommand).Assembly.Location);
        foreach (var arg in new[] { "block-job", "--run", job.RunFolder, "--block", job.Block.ToString(), "--threads", job.Threads.ToString() })
            info.ArgumentList.Add(arg);
        return info;
    }
}
