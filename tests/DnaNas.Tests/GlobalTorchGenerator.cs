namespace DnaNas.Tests;

/// <summary>
/// libtorch's default generator is one per process, and the two lanes share a process: a test that seeds it and
/// needs its exact sequence (weight initialisation after <c>manual_seed</c>, the head's dropout) sees another
/// sequence when a test of the other lane draws from it in between. Seen as a resumed SPOS training ending 0.024 off
/// its uninterrupted twin while DNA++ trained in lane B. Tests that train in this process in lane B, and those of lane
/// A that compare two in-process trainings exactly, hold this while they run.
/// </summary>
internal static class GlobalTorchGenerator
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static IDisposable Exclusive()
    {
        Gate.Wait();
        return new Held();
    }

    private sealed class Held : IDisposable
    {
        private int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) Gate.Release();
        }
    }
}
