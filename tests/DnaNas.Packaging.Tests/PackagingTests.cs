using System.Globalization;
using System.Text.Json;

namespace DnaNas.Packaging.Tests;

/// <summary>
/// What a .NET team gets from dotnet pack on Debian 12: a dna tool that installs into a clean tool path and searches,
/// and library packages whose references load TorchSharp (the native-library fix travels in them) and run the same
/// search through the API, to the same network and the same test accuracy from the same seed.
/// </summary>
public sealed class PackagingTests(PackedDnaNas packed) : IClassFixture<PackedDnaNas>
{
    [Fact]
    public void The_installed_tool_lists_its_commands_and_refuses_a_bad_preset_in_one_line()
    {
        var help = Processes.Run(packed.Tool, packed.Root, "--help");
        Assert.True(help.Code == 0, help.Describe("dna --help"));
        foreach (var verb in new[] { "train", "run", "search", "export", "ground-truth", "study", "verdict" })
            Assert.Contains($"\n  {verb} ", help.Out);

        var bad = Processes.Run(packed.Tool, packed.Root, "run", "--preset", "huge", "--dataset", "digits", "--out", Path.Combine(packed.Root, "bad-run"));
        Assert.NotEqual(0, bad.Code);
        var error = Assert.Single(bad.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("unknown preset \"huge\"", error);
        Assert.Contains("quick", error);
    }

    [Fact]
    public async Task The_installed_tool_and_the_library_example_search_to_the_same_network()
    {
        string toolRun = Path.Combine(packed.Root, "tool-run"), libraryRun = Path.Combine(packed.Root, "library-run");
        // Side by side, one torch thread each; the tool's blocks and retrainings run in its job processes (two of one
        // thread), started through the tool's own launcher, the example's in its process.
        var tool = Task.Run(() => Processes.Run(Processes.Start(packed.Tool, packed.Root,
            "run", "--preset", "tiny", "--dataset", "digits", "--seed", "0", "--threads", "1", "--jobs", "2", "--out", toolRun), TimeSpan.FromMinutes(10)));
        var library = Task.Run(() => Processes.Run(Processes.Start("dotnet", packed.Root, packed.ExampleDll, libraryRun, "digits", "0"), TimeSpan.FromMinutes(10)));
        var (toolDone, libraryDone) = (await tool, await library);
        Assert.True(toolDone.Code == 0, toolDone.Describe("dna run from the installed tool"));
        Assert.True(libraryDone.Code == 0, libraryDone.Describe("examples/LibrarySearch"));

        var (toolBest, toolAccuracy) = Searched(toolRun);
        var (libraryBest, libraryAccuracy) = Searched(libraryRun);
        Assert.Equal(toolBest.GetProperty("architecture").GetString(), libraryBest.GetProperty("architecture").GetString());
        Assert.Equal(toolBest.GetProperty("rating").GetDouble(), libraryBest.GetProperty("rating").GetDouble());
        Assert.Equal(toolAccuracy, libraryAccuracy);
        Assert.Contains($"searched: {libraryBest.GetProperty("architecture").GetString()} ", libraryDone.Out);
        Assert.Contains($"searched: {toolBest.GetProperty("architecture").GetString()} ", toolDone.Out);

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(libraryRun, "config.json")));
        Assert.True(libraryBest.GetProperty("params").GetInt64() <= config.RootElement.GetProperty("budget").GetInt64());
        // Ten balanced classes: a network that learnt nothing scores about 10 %.
        Assert.True(libraryAccuracy > 0.2, $"test accuracy {libraryAccuracy.ToString("P1", CultureInfo.InvariantCulture)} is no better than chance");
    }

    /// <summary>A run's searched architecture (search.json) and the test accuracy of its retraining.</summary>
    private static (JsonElement Best, double TestAccuracy) Searched(string run)
    {
        var search = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "search.json"))).RootElement;
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "retrain", "result.json")));
        return (search.GetProperty("best"), result.RootElement.GetProperty("testAccuracy").GetDouble());
    }
}
