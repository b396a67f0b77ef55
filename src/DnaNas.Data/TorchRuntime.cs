using System.Runtime.InteropServices;
using TorchSharp;

namespace DnaNas.Data;

/// <summary>
/// Process-wide libtorch settings. Call <see cref="Initialize"/> before the first use of <c>torch</c>:
/// OpenMP reads its environment when libtorch loads, and .NET's Environment.SetEnvironmentVariable
/// does not reach native code on Linux (torchsharp-tips.md, section 2).
/// </summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static bool _initialized;

    [DllImport("libc", EntryPoint = "setenv", SetLastError = true)]
    private static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);

    private const int M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2, M_MMAP_MAX = -4;

    /// <summary>
    /// Sets OMP_WAIT_POLICY=PASSIVE unless the user chose one (spinning OpenMP threads collapse 10-40x
    /// when two torch workloads share the 2 cores), keeps large tensors off mmap (see
    /// <see cref="KeepActivationsOnTheHeap"/>) and, when <paramref name="threads"/> is given,
    /// the intra-op thread count. Safe to call more than once; the policy is fixed by the first call.
    /// </summary>
    public static void Initialize(int? threads = null)
    {
        lock (Gate)
        {
            if (!_initialized)
            {
                if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
                    SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0);
                if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("MALLOC_MMAP_MAX_") is null)
                    KeepActivationsOnTheHeap();
                _initialized = true;
            }
            if (threads is > 0) torch.set_num_threads(threads.Value);
        }
    }

    /// <summary>
    /// glibc serves blocks over 32 MB (a batch of 128 expanded 28x28 feature maps) with a fresh mmap each time,
    /// so every such tensor costs page faults that zero it again, and munmap on free: measured here, an MBConv net
    /// trained at 55 img/s this way and at 350 img/s with mmap off and freed memory kept for reuse. The heap
    /// then serves everything; <see cref="ReleaseFreedMemory"/> still hands unused memory back after each epoch.
    /// </summary>
    private static void KeepActivationsOnTheHeap()
    {
        MallOpt(M_MMAP_MAX, 0);
        MallOpt(M_TRIM_THRESHOLD, 512 << 20);
        MallOpt(M_TOP_PAD, 64 << 20);
    }

    /// <summary>OpenMP's wait policy as libtorch sees it, for run records and benchmarks.</summary>
    public static string WaitPolicy => Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "PASSIVE (set by dna)";

    /// <summary>Intra-op threads libtorch uses now.</summary>
    public static int Threads => torch.get_num_threads();

    /// <summary>
    /// Returns freed native memory to the OS. glibc keeps it otherwise, which makes resident-memory
    /// readings useless as a leak signal (torchsharp-tips.md, section 1).
    /// </summary>
    public static void ReleaseFreedMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Aggressive also decommits the managed heap's free space, so start-up garbage (decoded data sets)
        // does not linger in resident memory and hide or fake a trend across epochs.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        TrimNativeHeap();
    }

    /// <summary>
    /// Hands freed native memory back to the OS without a garbage collection: cheap enough to call between
    /// training steps when <see cref="HeapGrowthLimit"/> sees the heap creep.
    /// </summary>
    public static void TrimNativeHeap()
    {
        if (OperatingSystem.IsLinux()) MallocTrim(0);
    }

    /// <summary>Resident set size of this process in bytes (Linux: /proc/self/statm), else working set.</summary>
    public static long ResidentBytes()
    {
        if (OperatingSystem.IsLinux() && File.Exists("/proc/self/statm"))
        {
            var fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(fields[1]) * Environment.SystemPageSize;
        }
        return Environment.WorkingSet;
    }
}
