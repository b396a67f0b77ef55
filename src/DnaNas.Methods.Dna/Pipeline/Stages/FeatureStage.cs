using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <summary>Caches the teacher's block outputs once: for the images that train the block cells, and for those that rate candidates.</summary>
public sealed class FeatureStage : IStage<DnaRunContext>
{
    public const string Train = "train", Rating = "rating";
    public string Name => "Features";

    public void Run(DnaRunContext c)
    {
        var run = new TrainRun(c.Layout.TeacherFolder);
        var (teacher, _) = run.LoadModel(c.Data);
        // The teacher sees images normalised as it was trained: an adopted teacher keeps its own statistics.
        var trained = run.ReadResult() ?? throw new TrainingException($"{run.Folder} has no result.json; resume the run to finish the teacher");
        using (teacher)
        {
            // Stratified and shuffled: calibration takes the first rows, and folder data sets come sorted by class.
            foreach (var (split, set) in new[] { (Train, c.Data.Train.Sample(c.Config.FeatureImages, c.Config.Seed)), (Rating, c.Data.Validation.Sample(c.Config.RatingImages, c.Config.Seed)) })
            {
                if (File.Exists(c.Layout.FeaturesPath(split))) continue;
                c.Report(Name, $"teacher block outputs for {set.Count} {split} images");
                using var features = TeacherFeatures.Compute(teacher, set, trained.Mean, trained.Std);
                features.Save(c.Layout.FeaturesPath(split));
            }
        }
    }
}
