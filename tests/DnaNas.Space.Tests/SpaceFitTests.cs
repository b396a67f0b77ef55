namespace DnaNas.Space.Tests;

public class SpaceFitTests
{
    [Fact]
    public void The_space_derived_for_28x28_gray_fashion_mnist_is_fmnist_mbconv_reshaped_to_nothing()
    {
        var template = BuiltinSpaces.FmnistMbconv;

        var derived = SpaceFit.Derive(new DataShape(28, 1, 10));

        Assert.Equal(template.Blocks, derived.Space.Blocks);
        Assert.Equal(template.Stem, derived.Space.Stem);
        Assert.Equal(1.0, derived.BudgetScale);
    }

    [Fact]
    public void A_48x48_rgb_five_class_shape_gets_more_stride_wider_blocks_and_a_larger_budget()
    {
        var derived = SpaceFit.Derive(new DataShape(48, 3, 5));
        var space = derived.Space;

        Assert.Equal((48, 3, 5), (space.InputSize, space.InputChannels, space.Classes));
        // Total stride 16 instead of 8: the last map is 3x3, near fmnist-mbconv's 4x4, not 6x6.
        Assert.Equal(3, space.BlockInput(space.Blocks.Count).Size);
        Assert.All(space.Blocks, block => Assert.Equal(0, block.Channels % 8));
        Assert.True(space.Blocks[^1].Channels > BuiltinSpaces.FmnistMbconv.Blocks[^1].Channels);
        Assert.InRange(derived.BudgetScale, 1.2, 3.0);
        Assert.Equal((long)Math.Round(500_000 * derived.BudgetScale), derived.ScaleBudget(500_000));
        SpaceFit.Check(space, new DataShape(48, 3, 5));
    }

    [Theory]
    [InlineData(8, 4)]
    [InlineData(16, 4)]
    [InlineData(64, 4)]
    [InlineData(100, 4)]
    public void Every_derived_space_ends_near_a_4x4_map(int inputSize, int finalSize)
    {
        var space = SpaceFit.Derive(new DataShape(inputSize, 1, 3)).Space;

        Assert.Equal(finalSize, space.BlockInput(space.Blocks.Count).Size);
    }

    [Fact]
    public void A_space_for_other_data_is_one_line_naming_both_shapes_and_the_fix()
    {
        var error = Assert.Throws<SpaceException>(() => SpaceFit.Check(BuiltinSpaces.FmnistMbconv, new DataShape(48, 3, 5)));

        Assert.Equal(
            "space fmnist-mbconv takes 28x28 gray images with 10 classes, the data is 48x48 RGB with 5 classes: " +
            "pass --space for a matching space or omit --space to derive one",
            error.Message);
    }

    [Fact]
    public void A_class_count_alone_that_differs_is_refused()
    {
        Assert.Throws<SpaceException>(() => SpaceFit.Check(BuiltinSpaces.FmnistMbconv, new DataShape(28, 1, 7)));
    }
}
