using System.Reflection;
using System.Runtime.InteropServices;
using DnaNas.Data;

namespace DnaNas.Training;

/// <summary>Versions and hardware recorded next to every result, so a number can be traced to what produced it.</summary>
public sealed record RunEnvironment(string DnaNas, string TorchSharp, string DotNet, string Os, string Cpu,
    int LogicalCores, int TorchThreads, string? OmpWaitPolicy, string Machine)
{
    public static RunEnvironment Capture() => new(
        Version(typeof(RunEnvironment).Assembly),
        Version(typeof(TorchSharp.torch).Assembly),
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        CpuModel(),
        Environment.ProcessorCount,
        TorchRuntime.Threads,
        TorchRuntime.WaitPolicy,
        Environment.MachineName);

    private static string Version(Assembly a) =>
        a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? a.GetName().Version?.ToString() ?? "unknown";

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException) { return RuntimeInformation.ProcessArchitecture.ToString(); }
        catch (UnauthorizedAccessException) { return RuntimeInformation.ProcessArchitecture.ToString(); }
    }
}
