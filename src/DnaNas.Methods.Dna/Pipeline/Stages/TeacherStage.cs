using DnaNas.Data;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <summary>Trains the teacher (by default the baseline, one training for two roles), or adopts a finished one given with <c>--teacher</c>.</summary>
public sealed class TeacherStage : IStage<DnaRunContext>
{
    public const string StageName = "Teacher";
    public string Name => StageName;

    public void Run(DnaRunContext c)
    {
        if (TeacherRecipe(c.Config).TrainOnValidation)
            throw new TrainingException("the teacher's recipe trains on the validation images, which rate the candidates: give it a recipe without TrainOnValidation");
        if (c.Config.TeacherRun is { } given)
        {
            Adopt(given, c);
            c.Report(Name, $"teacher from {given}");
        }
        var run = new TrainRun(c.Layout.TeacherFolder);
        var result = run.ReadResult() ?? run.Run(ConfigFor(c.Config, c.Space), c.Data, resume: true, c.Relay(Name), cancel: c.Cancel);
        string role = c.Config.TeacherIsBaseline ? "teacher and baseline" : "teacher";
        c.Report(Name, $"{role} {result.Architecture}: test accuracy {result.TestAccuracy:P2}");
    }

    /// <summary>
    /// What a run trains as its teacher when none is given (and what <c>dna teacher</c> trains ahead of runs): the
    /// configured architecture and recipe, by default the baseline trained with the retraining recipe.
    /// </summary>
    public static TrainRunConfig ConfigFor(DnaConfig config, SearchSpace space) =>
        new(config.SpaceName, config.TeacherArchitecture ?? UniformBaseline.For(space, config).ToString(), config.Data,
            TeacherRecipe(config), config.Seed);

    /// <summary>The teacher's recipe: the configured one, else the retraining recipe without soft targets and on the training split only.</summary>
    public static TrainRecipe TeacherRecipe(DnaConfig config) =>
        config.TeacherRecipe ?? config.RetrainRecipe with { DistillationWeight = 0, TrainOnValidation = false };

    /// <summary>
    /// Copies a finished teacher into the run folder (so the run stays whole if the original moves), after checking
    /// that its blocks line up with this run's space and that it was trained for these classes.
    /// </summary>
    private static void Adopt(string given, DnaRunContext c)
    {
        var source = new TrainRun(given);
        var config = source.ReadConfig();
        if (source.ReadResult() is null || !File.Exists(source.ModelPath))
            throw new TrainingException($"teacher {given} has not finished training; finish it with dna teacher --out {given} --resume");
        // Another space serves when every block boundary lines up (DNA+'s deepened teachers).
        if (DepthScaling.Mismatch(TrainRun.SpaceFor(config.SpaceName, c.Data), c.Space) is { } mismatch)
            throw new TrainingException(
                $"teacher {given} was trained in space {config.SpaceName}, whose blocks do not line up with this run's {c.Config.SpaceName} ({mismatch}); train one with dna teacher");
        if (config.Data.DifferenceFrom(c.Config.Data) is { } difference)
            throw new TrainingException(
                $"teacher {given} was trained on other data than this run's ({difference}): its validation images may be the ones that rate candidates; train one with dna teacher on this data");
        source.LoadModel(c.Data).Model.Dispose(); // refuses a teacher of other classes
        if (new TrainRun(c.Layout.TeacherFolder).ReadResult() is null) source.CopyFinishedTo(c.Layout.TeacherFolder);
    }
}
