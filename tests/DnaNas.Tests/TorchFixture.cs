using System.Runtime.CompilerServices;
using DnaNas.Data;

namespace DnaNas.Tests;

internal static class TorchFixture
{
    // Runs when the test assembly loads, before any test touches torch: OpenMP reads its wait policy at load,
    // and the test projects may run beside each other on 2 cores.
    [ModuleInitializer]
    internal static void Initialize() => TorchRuntime.Initialize();
}
