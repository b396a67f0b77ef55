using DnaNas.Data;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Tests;

/// <summary>Spaces meet data in TrainRun.SpaceFor: a space file made for other data is refused, not adapted.</summary>
[Collection(Lanes.A)]
public sealed class SpaceFitsDataTests
{
    [Fact]
    public void A_space_file_with_another_class_count_is_refused_by_name_while_the_built_in_adapts()
    {
        string file = Path.Combine(Path.GetTempPath(), $"dna-space-{Guid.NewGuid():N}.json");
        try
        {
            var sevenClasses = BuiltinSpaces.FmnistMbconv with { Name = "seven-classes", Classes = 7 };
            File.WriteAllText(file, SpaceFile.ToJson(sevenClasses));
            var digits = Datasets.Load(new DatasetRequest(DatasetKind.Digits, null, 28, 1) { UseCache = false, MaxTrain = 50, MaxTest = 20 });

            var error = Assert.Throws<SpaceException>(() => TrainRun.SpaceFor(file, digits));

            Assert.Contains("space seven-classes takes 28x28 gray images with 7 classes, the data is 28x28 gray with 10 classes", error.Message);
            Assert.Equal(10, TrainRun.SpaceFor("fmnist-mbconv", digits).Classes);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
