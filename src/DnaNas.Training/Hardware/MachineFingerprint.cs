using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using DnaNas.Space;

namespace DnaNas.Training.Hardware;

/// <summary>
/// What makes this machine's timings its own: the processor (model name, family, model and stepping numbers, cache
/// size), its logical cores, and the vector instruction sets that choose libtorch's and ONNX Runtime's kernels. Two
/// machines sold as the same "AMD EPYC" differ here (the quick preset took 29 minutes on one and 47 on another), so a
/// latency table carries the fingerprint of the machine it was measured on and is refused on any other.
/// </summary>
public static class MachineFingerprint
{
    /// <summary>The vector instruction sets that change which kernels the tensor libraries run.</summary>
    private static readonly string[] VectorFlags = ["avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile"];

    // Before Current, which reads it: static properties are initialised in the order they are written.
    /// <summary>This CPU's vector instruction sets among <see cref="VectorFlags"/>, sorted and joined by '+'.</summary>
    public static string VectorSignature { get; } = string.Join('+', (CpuInfo("flags") ?? "").Split(' ').Where(VectorFlags.Contains).Distinct().Order(StringComparer.Ordinal));

    /// <summary>This machine's, readable: processor fields, cores and vector flags joined by "; ".</summary>
    public static string Current { get; } = Describe();

    /// <summary>Twelve hex digits of <see cref="Current"/>'s SHA-256, for file names.</summary>
    public static string ShortHash { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Current)))[..12];

    /// <summary>Refuses a table measured on another machine; a table from before fingerprints were recorded passes.</summary>
    /// <param name="source">Where the table came from, for the message.</param>
    public static void Check(LatencyTable table, string source)
    {
        if (table.Fingerprint is { } measured && measured != Current)
            throw new TrainingException($"{source} was measured on another machine ({measured}), not this one ({Current}): " +
                                        $"measure a table here with dna bench latency{(table.Runtime == LatencyRuntime.OnnxRuntime ? " --runtime onnx" : "")}");
    }

    private static string Describe()
    {
        var fields = new[] { "model name", "cpu family", "model", "stepping", "cache size" }
            .Select(key => CpuInfo(key) is { } value ? $"{key} {value}" : null).OfType<string>().ToList();
        if (fields.Count == 0) fields.Add(RuntimeInformation.ProcessArchitecture.ToString());
        return $"{string.Join(", ", fields)}; {Environment.ProcessorCount} logical cores; {(VectorSignature.Length > 0 ? VectorSignature : "no vector flags")}";
    }

    /// <summary>The first processor's value of a /proc/cpuinfo field (exact key), or null where there is none.</summary>
    private static string? CpuInfo(string key)
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return null;
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.Length == 0) break; // the first processor's block ends here
                var parts = line.Split(':', 2);
                if (parts.Length == 2 && parts[0].Trim() == key) return parts[1].Trim();
            }
            return null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
