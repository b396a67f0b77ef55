using DnaNas.Methods.Dna;
using DnaNas.Training;

namespace DnaNas.Tests;

/// <summary>
/// The quick preset on real colour icons from Debian's oxygen-icon-theme: 300 PNGs of mixed sizes in 5 classes
/// (<c>scripts/make-icon-folder.sh --small</c>, which test.sh runs), the small version of the acceptance run on
/// 1,061 icons in reports/dna-icons.
/// </summary>
[Collection(Lanes.B)]
public class IconFolderRunTests
{
    /// <summary>Where test.sh puts the icons; DNANAS_ICONS_SMALL points elsewhere.</summary>
    public static string SmallIcons => Environment.GetEnvironmentVariable("DNANAS_ICONS_SMALL")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "dnanas", "icons-oxygen-icon-theme-small");

    [Fact]
    public void The_quick_preset_on_300_real_icons_trains_with_a_batch_sized_for_them_and_beats_twice_chance_balanced()
    {
        Assert.True(Directory.Exists(SmallIcons), $"{SmallIcons} is missing: run scripts/make-icon-folder.sh --small (test.sh does)");
        string run = Path.Combine(Path.GetTempPath(), $"dna-icons-{Guid.NewGuid():N}");
        try
        {
            var (code, output, err) = CliTests.Dna("run", "--preset", "quick", "--dataset", "folder", "--data", SmallIcons, "--jobs", "1", "--threads", "1", "--out", run);
            Assert.True(code == 0, err);
            Assert.Contains("derived space fmnist-mbconv-32rgb-5c", output);

            // About 210 training images: batch 128 would be one step an epoch; the sized batch gives 6.
            var config = DnaRun.Open(run).Config;
            Assert.Equal(32, config.RetrainRecipe.BatchSize);
            Assert.Equal(0.1 * 32 / 128, config.RetrainRecipe.LearningRate, 12);
            Assert.Equal(ScheduleScaling.MaxEpochs, config.RetrainRecipe.Epochs);

            // The acceptance line, on the searched network; the baseline must at least clearly beat the largest class
            // (measured with 2 threads, seed 0: searched 52%, baseline 48% balanced, on 50 test images; at batch 128 the searched network stayed at chance and the baseline reached 38%).
            const double chance = 1.0 / 5;
            var layout = DnaRun.Open(run).Layout;
            var searched = new TrainRun(layout.RetrainFolder).ReadResult()!;
            Assert.True(searched.BalancedAccuracy >= 2 * chance, $"searched network: balanced test accuracy {searched.BalancedAccuracy:P1}, under twice chance");
            Assert.DoesNotContain("does not clearly beat", output);
        }
        finally
        {
            if (Directory.Exists(run)) Directory.Delete(run, true);
        }
    }

    [Fact]
    public void A_preset_sized_for_a_small_set_shrinks_its_batch_by_powers_of_two_and_scales_the_learning_rate_but_leaves_larger_sets_alone()
    {
        var quick = DnaConfig.Preset("quick", new DnaNas.Data.DatasetRequest(DnaNas.Data.DatasetKind.FashionMnist, null, 28, 1));
        // On the data the preset is written for, and on any set of 4 batches or more (the 1,061-icon folder's 743), nothing changes.
        Assert.Equal(quick, quick.SizedFor(ScheduleScaling.ReferenceTrainImages, ScheduleScaling.ReferenceTrainImages));
        Assert.Equal(128, quick.SizedFor(4 * 128, ScheduleScaling.ReferenceTrainImages).RetrainRecipe.BatchSize);
        var tiny = DnaConfig.Preset("tiny", quick.Data);
        Assert.Equal(tiny, tiny.SizedFor(DnaConfig.ReferenceTrainImages("tiny"), DnaConfig.ReferenceTrainImages("tiny")));

        foreach (var (images, batch) in new[] { (511, 64), (420, 64), (255, 32), (210, 32), (127, 16), (40, 16) })
        {
            var recipe = quick.SizedFor(images, ScheduleScaling.ReferenceTrainImages).RetrainRecipe;
            Assert.Equal(batch, recipe.BatchSize);
            Assert.Equal(0.1 * batch / 128, recipe.LearningRate, 12);
            Assert.True(images / batch >= ScheduleScaling.MinStepsPerEpoch || batch == ScheduleScaling.MinBatchSize, $"{images} images");
        }
    }
}
