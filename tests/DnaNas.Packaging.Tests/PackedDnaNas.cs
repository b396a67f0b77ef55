using System.Globalization;

namespace DnaNas.Packaging.Tests;

/// <summary>
/// The repository packed once for all tests (dotnet pack in Release, incremental over the build test.sh made), the dna tool installed from
/// those packages into a tool path of its own, and examples/LibrarySearch copied out of the repository and built
/// against them, restoring into a packages folder of its own. The version is unique to this fixture, so no package
/// cached by an earlier pack can stand in for the one just made.
/// </summary>
public sealed class PackedDnaNas : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("dnanas-packaging-").FullName;
    public string Version { get; } = $"0.1.0-test.{DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}";
    public string Repository { get; } = FindRepository();
    public string Packages => Path.Combine(Root, "packages");
    public string Tool => Path.Combine(Root, "tools", "dna");
    public string Example => Path.Combine(Root, "example");
    public string ExampleDll => Path.Combine(Example, "bin", "Release", "net10.0", "LibrarySearch.dll");

    public PackedDnaNas()
    {
        // Not --no-build: the tool's package holds a linux-x64 build of the CLI, which the solution's build does not make.
        Check(Processes.Run("dotnet", Repository, "pack", "DnaNas.slnx", "-c", "Release", "-o", Packages,
            $"-p:PackageVersion={Version}", "-v", "q", "-nologo"), "dotnet pack");
        Check(Processes.Run("dotnet", Root, "tool", "install", "DnaNas.Tool", "--version", Version, "--add-source", Packages,
            "--tool-path", Path.Combine(Root, "tools")), "dotnet tool install");

        // Outside the repository, so nothing of its build (Directory.Build.*, the native fix it imports) reaches the example.
        Directory.CreateDirectory(Example);
        foreach (var file in Directory.GetFiles(Path.Combine(Repository, "examples", "LibrarySearch")).Where(f => !f.EndsWith("nuget.config", StringComparison.Ordinal)))
            File.Copy(file, Path.Combine(Example, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(Example, "nuget.config"),
            $"""<configuration><packageSources><add key="packed" value="{Packages}" /></packageSources></configuration>""");
        // The example's own packages folder takes the DnaNas packages; TorchSharp and the rest come from the user's cache.
        string userPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                              ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        Check(Processes.Run("dotnet", Example, "build", "-c", "Release", $"-p:DnaNasVersion={Version}", "--packages", Path.Combine(Root, "example-packages"),
            $"-p:RestoreFallbackFolders={userPackages}", "-p:UseSharedCompilation=false", "-v", "q", "-nologo"), "dotnet build of examples/LibrarySearch");
    }

    private static void Check(Processes.Result result, string what) => Assert.True(result.Code == 0, result.Describe(what));

    private static string FindRepository()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DnaNas.slnx"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return dir!.FullName;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
