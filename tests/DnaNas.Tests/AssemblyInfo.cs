// Tests here train networks: two at once on 2 cores only slow each other down and make timings meaningless.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
