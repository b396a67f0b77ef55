using System.Reflection;

namespace DnaNas.Tests;

/// <summary>
/// The suite runs in two lanes at once, a core each: tests of one lane run one after another, and every test class
/// of this assembly belongs to exactly one (a class without a lane would open a third, and two lanes would share a
/// core). Lane A: the tiny reference run, the tests that compare with it, and everything that trains in this
/// process (torch on one thread, <see cref="TorchFixture"/>). Lane B: end-to-end runs on image folders, studies,
/// and the CLI's own checks, every child process on one thread, and DNA++'s in-process runs, which hold libtorch's
/// one generator against lane A's exact comparisons (<see cref="GlobalTorchGenerator"/>). Nearly balanced: about
/// 15 minutes each on the reference machine before DNA+, DNA++, the ViT and width search joined (one lane alone then
/// took 26); 25-27 minutes each on a slower 2-core EPYC after.
/// </summary>
public static class Lanes
{
    public const string A = TinyReferenceRun.Collection;
    public const string B = "lane B: folders, studies and the command line";
}

[CollectionDefinition(Lanes.B)]
public sealed class LaneB;

[Collection(Lanes.B)]
public class LaneTests
{
    [Fact]
    public void Every_test_class_runs_in_one_of_the_two_lanes()
    {
        var classes = typeof(LaneTests).Assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any()) && t != typeof(LaneTests));
        var laneless = classes.Where(t => t.GetCustomAttribute<CollectionAttribute>() is null).Select(t => t.Name).ToList();
        Assert.True(laneless.Count == 0, $"test classes without [Collection(Lanes.A or Lanes.B)]: {string.Join(", ", laneless)}");
    }
}
