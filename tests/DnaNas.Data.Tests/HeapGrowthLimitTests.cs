namespace DnaNas.Data.Tests;

/// <summary>The trimming rule on a simulated heap: a trim returns everything above the step's working set.</summary>
public sealed class HeapGrowthLimitTests
{
    private sealed class SimulatedHeap(long workingSet, long creepPerStep)
    {
        public long Resident { get; private set; } = 200L << 20;
        public int Trims { get; private set; }
        public void Step() => Resident = Math.Max(Resident, workingSet) + creepPerStep;
        public void Trim() { Resident = 200L << 20; Trims++; }
    }

    private static (SimulatedHeap Heap, long Peak) Run(long workingSet, long creepPerStep, int steps)
    {
        var heap = new SimulatedHeap(workingSet, creepPerStep);
        var limit = new HeapGrowthLimit(() => heap.Resident, heap.Trim);
        long peak = 0;
        for (int s = 0; s < steps; s++)
        {
            heap.Step();
            peak = Math.Max(peak, heap.Resident);
            limit.BetweenSteps();
        }
        Assert.Equal(heap.Trims, limit.Trims);
        return (heap, peak);
    }

    [Fact]
    public void A_heap_that_keeps_its_working_set_is_never_trimmed()
    {
        var (heap, peak) = Run(workingSet: 900L << 20, creepPerStep: 0, steps: 400);
        Assert.Equal(0, heap.Trims);
        Assert.Equal(900L << 20, peak);
    }

    [Fact]
    public void A_creeping_heap_is_held_within_the_slack_of_its_working_set()
    {
        // The searched quick-preset network: 850 MB a step, 37 MB more left behind by every step.
        long workingSet = 850L << 20, creep = 37L << 20;
        var (heap, peak) = Run(workingSet, creep, steps: 400);
        Assert.True(peak <= workingSet + creep + HeapGrowthLimit.Slack + creep, $"peak {peak >> 20} MB");
        // Trims come no closer than the minimum spacing, and no more often than the creep needs.
        Assert.InRange(heap.Trims, 400 / (HeapGrowthLimit.Slack / creep + 2), 400 / HeapGrowthLimit.MinimumSteps);
    }

    [Fact]
    public void A_fast_creep_is_trimmed_no_more_often_than_the_minimum_spacing()
    {
        var (heap, _) = Run(workingSet: 300L << 20, creepPerStep: 400L << 20, steps: 400);
        Assert.Equal(400 / HeapGrowthLimit.MinimumSteps, heap.Trims);
    }
}
