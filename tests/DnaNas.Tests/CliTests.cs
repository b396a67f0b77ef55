using DnaNas.Randomness;
using System.Diagnostics;
using DnaNas.Space;

namespace DnaNas.Tests;

/// <summary>Runs the real <c>dna</c> executable (built next to the tests) as a user would.</summary>
[Collection(Lanes.B)]
public class CliTests
{
    internal static ProcessStartInfo DnaStart(string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dna.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    internal static (int Code, string Out, string Err) Dna(params string[] args) => Run(DnaStart(args));

    /// <summary>Runs another .NET program of the repository (an example) the same way.</summary>
    internal static (int Code, string Out, string Err) Dotnet(string dll, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        return Run(start);
    }

    private static (int Code, string Out, string Err) Run(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Theory]
    [InlineData("train", "--arch", "--resume", "--epochs", "--optimizer", "--out", "--split-seed", "--max-validation")]
    [InlineData("eval", "--dataset", "--data")]
    [InlineData("space", "--space", "--samples", "--json", "--arch", "--latency-table")]
    [InlineData("bench", "--steps", "--threads", "search", "rating", "latency", "inference")]
    [InlineData("pareto", "--budget-params", "--budget-macs", "--latency-table", "--max-latency", "--population", "--generations", "--measure", "--train", "--seed", "--out")]
    [InlineData("teacher", "--preset", "--arch", "--epochs", "--budget-params", "--resume", "--out", "--split-seed")]
    [InlineData("run", "--preset", "--budget-params", "--budget-macs", "--max-train-time", "--teacher", "--jobs", "--resume", "--out", "--split-seed", "--block-sampling", "--generations", "--depth-multiplier", "--ground-truth", "--supervision")]
    [InlineData("search", "--budget-params", "--budget-macs", "--max-latency", "--max-latency-ratio", "--latency-table", "--top", "--measure")]
    [InlineData("ground-truth", "--count", "--epochs", "--max-train", "--stratify", "--jobs", "--out", "--split-seed")]
    [InlineData("study", "--preset", "--jobs", "--resume", "--out", "--split-seed")]
    [InlineData("rank", "--scores", "--ratings-of")]
    [InlineData("transfer", "--study", "--dataset", "--population", "--generations", "--scratch-epochs", "--split-seed")]
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
    public void Space_with_an_architecture_prints_the_cost_model_totals_and_each_blocks_costs()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var arch = Architecture.Parse("k3e6|k5e3/k3e3/k7e6|k3e3/k5e6", space);
        var (code, output, err) = Dna("space", "--arch", "k3e6|k5e3/k3e3/k7e6|k3e3/k5e6");
        Assert.True(code == 0, err);
        var total = CostModel.Of(space, arch);
        Assert.Contains($"total: {total.Params:N0} params, {total.Macs:N0} MACs", output);
        var lines = output.Split('\n');
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            var cost = CostModel.Candidate(space, b, arch.Blocks[b]);
            var row = Assert.Single(lines, line => line.Contains($"block {b + 1} "));
            Assert.Contains($" {arch.Blocks[b]} ", row);
            Assert.Contains($" {cost.Params:N0} ", row);
            Assert.Contains($" {cost.Macs:N0} ", row);
        }
        Assert.Contains($" {CostModel.Stem(space).Params:N0} ", Assert.Single(lines, line => line.Contains("stem ")));
        Assert.Contains($" {CostModel.Head(space).Macs:N0} ", Assert.Single(lines, line => line.Contains("head ")));
    }

    [Fact]
    public void Space_with_an_architecture_and_a_latency_table_prints_the_tables_prediction_for_a_space_file()
    {
        var folder = Directory.CreateTempSubdirectory("dna-space-arch-").FullName;
        try
        {
            var space = BuiltinSpaces.ImagenetDna with { Name = "mine" };
            string spacePath = Path.Combine(folder, "mine.json"), tablePath = Path.Combine(folder, "latency.json");
            File.WriteAllText(spacePath, SpaceFile.ToJson(space));
            // Made-up times, distinct per block, layer and op, so a wrong lookup shows in the sums.
            var table = new LatencyTable
            {
                Space = "mine", Mode = LatencyMode.Inference, BatchSize = 8, Threads = 1, Machine = "a test", FixedMicros = 100,
                LayerMicros = space.Blocks.Select((block, b) => (IReadOnlyList<IReadOnlyDictionary<string, double>>)Enumerable
                    .Range(0, block.Layers)
                    .Select(l => (IReadOnlyDictionary<string, double>)space.Ops.Select((op, i) => (op, i))
                        .ToDictionary(o => o.op.ToString(), o => 10.0 * b + l + 0.5 * o.i))
                    .ToList()).ToList(),
            };
            File.WriteAllText(tablePath, table.ToJson());
            var arch = space.Sample(new StableRandom(4));
            var (code, output, err) = Dna("space", "--space", spacePath, "--arch", arch.ToString(), "--latency-table", tablePath);
            Assert.True(code == 0, err);
            var total = CostModel.Of(space, arch);
            Assert.Contains($"total: {total.Params:N0} params, {total.Macs:N0} MACs", output);
            Assert.Contains($"predicted latency: {table.Of(arch):F1} us/image", output);
            var lines = output.Split('\n');
            for (int b = 0; b < space.Blocks.Count; b++)
                Assert.Contains($" {table.Of(b, arch.Blocks[b]):F1} ", Assert.Single(lines, line => line.Contains($"block {b + 1} ")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Space_with_a_malformed_architecture_is_one_line_naming_the_token()
    {
        var (code, output, err) = Dna("space", "--arch", "k3e6/k3e6|c9x/k3e3/k3e3");
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("token 3 \"c9x\" (block 2, layer 2)", err);
        Assert.Contains("expected an op like k3e6", err);
        Assert.Equal("", output);
    }

    [Fact]
    public void A_bad_architecture_is_one_line_on_stderr_with_a_nonzero_exit()
    {
        var (code, output, err) = Dna("train", "--arch", "k3e6/k4e4/k3e3/k3e3");
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
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

    [Fact]
    public void Train_killed_after_epoch_two_resumes_at_epoch_three_and_matches_an_uninterrupted_run()
    {
        string killed = Path.Combine(Path.GetTempPath(), $"dna-kill-{Guid.NewGuid():N}");
        string whole = Path.Combine(Path.GetTempPath(), $"dna-whole-{Guid.NewGuid():N}");
        string[] common = ["train", "--arch", "k3e3/k3e3/k3e3/k3e3", "--epochs", "4", "--max-train", "1536", "--max-validation", "500", "--max-test", "500",
            "--batch-size", "64", "--seed", "5"];
        try
        {
            using (var process = Process.Start(DnaStart([.. common, "--out", killed]))!)
            {
                _ = process.StandardOutput.ReadToEndAsync();
                _ = process.StandardError.ReadToEndAsync();
                // The epoch-2 checkpoint is durable once the line of epoch 2 is printed; kill during epoch 3.
                var checkpoint = Path.Combine(killed, "checkpoint.bin");
                var deadline = DateTime.UtcNow.AddMinutes(3);
                while (DateTime.UtcNow < deadline && !process.HasExited)
                {
                    if (File.Exists(checkpoint) && Training.Checkpoint.ReadState(checkpoint).CompletedEpochs >= 2) break;
                    Thread.Sleep(20);
                }
                Assert.False(process.HasExited, "the run ended before it could be killed");
                process.Kill(entireProcessTree: true); // SIGKILL: no chance to clean up
                process.WaitForExit();
            }
            Assert.Equal(2, Training.Checkpoint.ReadState(Path.Combine(killed, "checkpoint.bin")).CompletedEpochs);
            Assert.False(File.Exists(Path.Combine(killed, "result.json")));

            var (code, output, err) = Dna([.. common, "--out", killed, "--resume"]);
            Assert.True(code == 0, err);
            Assert.Contains("resuming after epoch 2", output);
            Assert.DoesNotContain("epoch 1/4", output);
            Assert.DoesNotContain("epoch 2/4", output);
            Assert.Contains("epoch 3/4", output);

            var (wholeCode, _, wholeErr) = Dna([.. common, "--out", whole]);
            Assert.True(wholeCode == 0, wholeErr);
            double Accuracy(string folder) =>
                System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "result.json"))).RootElement.GetProperty("testAccuracy").GetDouble();
            Assert.True(Math.Abs(Accuracy(killed) - Accuracy(whole)) <= 0.003, $"resumed {Accuracy(killed)} vs whole {Accuracy(whole)}");
        }
        finally
        {
            if (Directory.Exists(killed)) Directory.Delete(killed, true);
            if (Directory.Exists(whole)) Directory.Delete(whole, true);
        }
    }

    [Fact]
    public void Eval_reports_the_test_accuracy_of_a_finished_run()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"dna-eval-{Guid.NewGuid():N}");
        try
        {
            var (code, _, err) = Dna("train", "--arch", "k3e3/k3e3/k3e3/k3e3", "--epochs", "1", "--max-train", "512", "--max-validation", "300", "--max-test", "300", "--out", folder);
            Assert.True(code == 0, err);
            var (evalCode, output, evalErr) = Dna("eval", folder);
            Assert.True(evalCode == 0, evalErr);
            Assert.Contains("test (300 images): accuracy", output);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void Train_records_the_split_seed_apart_from_the_run_seed_and_keeps_all_64_bits()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"dna-split-seed-{Guid.NewGuid():N}");
        try
        {
            var (code, _, err) = Dna("train", "--dataset", "digits", "--arch", "k3e3/k3e3/k3e3/k3e3", "--epochs", "1", "--max-train", "64",
                "--max-test", "32", "--seed", "5", "--split-seed", "4294967303", "--out", folder);
            Assert.True(code == 0, err);
            using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
            var root = config.RootElement;
            Assert.Equal(5, root.GetProperty("seed").GetInt64());
            Assert.Equal(4294967303L, root.GetProperty("data").GetProperty("splitSeed").GetInt64());
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }
}
