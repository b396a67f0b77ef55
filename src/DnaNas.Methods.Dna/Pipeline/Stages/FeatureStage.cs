using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <summary>Caches the teacher's block outputs once: for the images that train the block cells, and for those that rate candidates.</summary>
public sealed class FeatureStage : IStage<DnaRunContext>
{
    public const string Train = "train", Rating = "rating";
    public string Name => "Features";

    public void Run(DnaRunContext c)
    {
        var (teacher, _) = new TrainRun(c.Layout.TeacherFolder).LoadModel(c.Data);
        using (teacher)
        {
            // Stratified and shuffled: calibration takes the first rows, and folder data sets come sorted by class.
            foreach (var (split, set) in new[] { (Train, c.Data.Train.Sample(c.Config.FeatureImages, c.Config.Seed)), (Rating, c.Data.Validation.Sample(c.Config.RatingImages, c.Config.Seed)) })
            {
                if (File.Exists(c.Layout.FeaturesPath(split))) continue;
                c.Report(Name, $"teacher block outputs for {set.Count} {split} images");
                using var features = TeacherFeatures.Compute(teacher, set, c.Data.Mean, c.Data.Std);
                features.Save(c.Layout.FeaturesPath(split));
            }
        }
    }
}
