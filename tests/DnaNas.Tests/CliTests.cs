using System.Diagnostics;

namespace DnaNas.Tests;

/// <summary>Runs the real <c>dna</c> executable (built next to the tests) as a user would.</summary>
public class CliTests
{
    internal static (int Code, string Out, string Err) Dna(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "dna.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Theory]
    [InlineData("train", "--arch", "--resume", "--epochs", "--optimizer", "--out")]
    [InlineData("eval", "--dataset", "--data")]
    [InlineData("space", "--space", "--samples", "--json")]
    [InlineData("bench", "--steps", "--threads")]
    public void Every_verb_has_help_listing_its_options(string verb, params string[] options)
    {
        var (code, output, _) = Dna(verb, "--help");
        Assert.Equal(0, code);
        foreach (var o in options) Assert.Contains(o, output);
    }

    [Fact]
    public void Space_prints_the_exact_size_and_a_random_architecture()
    {
        var (code, output, _) = Dna("space", "--space", "imagenet-dna", "--seed", "3");
        Assert.Equal(0, code);
        Assert.Contains("size: 1,447,052,760,824,832 architectures", output); // 42 * 1548^4 * 6
        Assert.Contains("random: ", output);
    }

    [Fact]
    public void A_bad_architecture_is_one_line_on_stderr_with_a_nonzero_exit()
    {
        var (code, output, err) = Dna("train", "--arch", "k3e6/k4e4/k3e3/k3e3");
        Assert.Equal(1, code);
        Assert.Equal(1, err.Trim().Split('\n').Length);
        Assert.Contains("token 2 \"k4e4\"", err);
        Assert.DoesNotContain("   at ", err);
        Assert.Equal("", output);
    }

    [Fact]
    public void Verbose_shows_the_stack_trace()
    {
        var (code, _, err) = Dna("train", "--arch", "k3e6/k4e4/k3e3/k3e3", "--verbose");
        Assert.Equal(1, code);
        Assert.Contains("   at ", err);
    }

    [Fact]
    public void A_missing_data_folder_names_the_path_and_the_fix()
    {
        var (code, _, err) = Dna("train", "--data", "/nonexistent/fmnist", "--epochs", "1");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/fmnist", err);
        Assert.Contains("apt-get install dataset-fashion-mnist", err);
    }
}
