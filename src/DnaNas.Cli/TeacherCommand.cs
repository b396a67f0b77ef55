using System.CommandLine;
using DnaNas.Data;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Methods.Dna;

namespace DnaNas.Cli;

/// <summary>
/// <c>dna teacher</c>: trains the teacher a <c>dna run</c> preset would train, ahead of it, so several runs (other
/// budgets, other search seeds) share one teacher through <c>dna run --teacher</c>.
/// </summary>
internal static class TeacherCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset")
        {
            Description = $"Whose teacher to train: {string.Join(", ", DnaConfig.PresetNames)}.",
            DefaultValueFactory = _ => "quick",
        };
        var arch = new Option<string?>("--arch")
        {
            Description = "Teacher architecture of the search space, so its blocks line up with the searched ones (default: the preset's baseline, the largest uniform network within the budget).",
        };
        var epochs = new Option<int?>("--epochs") { Description = "Training epochs (default: the preset's retraining epochs)." };
        var choice = new DnaChoiceOptions(preset);
        var threads = CommonOptions.Threads();
        var output = new Option<string?>("--out") { Description = "Teacher folder (default: runs/teacher-<preset>-seed<seed>)." };
        var resume = new Option<bool>("--resume") { Description = "Continue the training in the folder from its last finished epoch." };

        var command = new Command("teacher", "Train a DNA teacher of the search space's family ahead of dna run, to share between runs (dna run --teacher).")
        {
            arch, epochs, threads, output, resume,
        };
        choice.AddTo(command);
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            TorchRuntime.Initialize(p.GetValue(threads));
            if (p.GetValue(epochs) is <= 0) throw new ArgumentException($"--epochs must be positive, got {p.GetValue(epochs)}");
            var run = new TrainRun(p.GetValue(output) ?? Path.Combine("runs", $"teacher-{p.GetValue(preset)}-seed{p.GetValue(choice.Seed)}"));
            var (config, spaceDef, splits) = choice.Configure(p, run.Folder);
            if (p.GetValue(arch) is { } given) Architecture.Parse(given, spaceDef); // fail on a bad string before training

            var space = TrainRun.SpaceFor(config.SpaceName, splits);
            var teacher = TeacherStage.ConfigFor(config, space);
            if (p.GetValue(arch) is { } a) teacher = teacher with { Architecture = a };
            if (p.GetValue(epochs) is { } e) teacher = teacher with { Recipe = teacher.Recipe with { Epochs = e } };
            var cost = CostModel.Of(space, Architecture.Parse(teacher.Architecture, space));
            Console.WriteLine($"teacher {teacher.Architecture}: {cost.Params:N0} params, {cost.Macs:N0} MACs, {teacher.Recipe.Epochs} epochs; folder {run.Folder}");

            var result = TrainingDisplay.Run("teacher", progress => run.Run(teacher, splits, p.GetValue(resume), progress, cancel: CommonOptions.Cancellation));
            Console.WriteLine($"test accuracy {result.TestAccuracy:P2}, balanced {result.BalancedAccuracy:P2} | {result.WallSeconds:F0} s");
            if (result.TestClasses?.MajorityWarning("teacher", result.TestAccuracy) is { } warning) Console.WriteLine(warning);
            string spaceArg = p.GetValue(choice.Space) is { } named ? $" --space {named}" : "";
            Console.WriteLine($"use it: dna run --preset {p.GetValue(preset)}{spaceArg} --teacher {run.Folder}");
            return 0;
        }));
        return command;
    }
}
