using System.IO.Compression;
using System.Runtime.CompilerServices;

namespace DnaNas.Data.Tests;

internal static class TorchSetup
{
    /// <summary>OMP_WAIT_POLICY must be set before libtorch loads, i.e. before any test touches torch.</summary>
    [ModuleInitializer]
    internal static void InitializeTorch() => TorchRuntime.Initialize();
}

/// <summary>A fresh folder under the system temp folder, deleted with its contents on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dnanas-data-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder must not fail the test that used it.
        }
    }
}

internal static class Gzip
{
    public static byte[] Decompress(string file)
    {
        using var input = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    public static void Write(string file, byte[] content)
    {
        using var output = new GZipStream(File.Create(file), CompressionLevel.Fastest);
        output.Write(content);
    }
}
