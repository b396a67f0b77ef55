using System.CommandLine;
using DnaNas.Cli;
using DnaNas.Data;

// Before anything touches torch: OpenMP reads its wait policy when libtorch loads.
TorchRuntime.Initialize();
Plugins.Register();
CommonOptions.StopOnInterrupt();

var root = new RootCommand("DnaNas: neural architecture search with block-wise supervision, for .NET.")
{
    Options = { CommonOptions.Verbose },
};
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(SpaceCommand.Create());
root.Subcommands.Add(TeacherCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(VerdictCommand.Create());
root.Subcommands.Add(SearchCommand.Create());
root.Subcommands.Add(ParetoCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(GroundTruthCommand.Create());
root.Subcommands.Add(StudyCommand.Create());
root.Subcommands.Add(StudyCommand.Rank());
root.Subcommands.Add(TransferCommand.Create());
root.Subcommands.Add(JobCommand.Create());
return root.Parse(args).Invoke();
