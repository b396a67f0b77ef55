using System.Runtime.CompilerServices;
using DnaNas.Data;

namespace DnaNas.Tests;

internal static class TorchFixture
{
    // Runs when the test assembly loads, before any test touches torch: OpenMP reads its wait policy at load.
    // One thread: the tests run in two lanes at once, a core each (Lanes.cs).
    [ModuleInitializer]
    internal static void Initialize() => TorchRuntime.Initialize(threads: 1);
}
