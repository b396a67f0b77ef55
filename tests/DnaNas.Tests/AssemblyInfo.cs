// Two lanes of tests at once (Lanes.cs), a core each: within a lane one test at a time, since two torch workloads
// on one core only slow each other down and make timings meaningless.
[assembly: CollectionBehavior(MaxParallelThreads = 2)]
