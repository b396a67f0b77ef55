using DnaNas.Methods.Dna;
using DnaNas.Space;
using DnaNas.Studies;
using DnaNas.Training;

namespace DnaNas.Tests;

/// <summary>DNA+ (<c>dna run --generations</c>): the depth scaling of its teachers, and a two-generation run killed and resumed.</summary>
[Collection(TinyReferenceRun.Collection)]
public class ProgressiveRunTests(TinyReferenceRun reference)
{
    private static readonly SearchSpace Space = BuiltinSpaces.FmnistMbconv;

    [Fact]
    public void A_deepened_architecture_repeats_each_layer_in_place_and_its_space_lines_up_block_for_block()
    {
        var deep = DepthScaling.Deepen(Space, 1.5);
        Assert.Equal(Space.Blocks.Select(b => (int)Math.Ceiling(b.Layers * 1.5)), deep.Blocks.Select(b => b.Layers));
        Assert.Null(DepthScaling.Mismatch(deep, Space));

        var arch = Architecture.Parse("k7e6|k3e3/k5e3|skip|skip/k3e6|k5e6|k7e3/k3e3|skip", Space);
        var deeper = DepthScaling.Deepen(arch, Space, 1.5);
        Assert.Equal("k7e6|k7e6|k3e3/k5e3|k5e3|skip|skip|skip/k3e6|k3e6|k5e6|k5e6|k7e3/k3e3|k3e3|skip", deeper.ToString());
        Assert.Equal(deeper, Architecture.Parse(deeper.ToString(), deep)); // a valid architecture of the deepened space
        Assert.True(CostModel.Of(deep, deeper).Params > CostModel.Of(Space, arch).Params);
        // Multiplier 1 changes nothing.
        Assert.Equal(arch, DepthScaling.Deepen(arch, Space, 1.0));

        var narrower = Space with { Blocks = [Space.Blocks[0], Space.Blocks[1] with { Channels = Space.Blocks[1].Channels / 2 }, .. Space.Blocks.Skip(2)] };
        Assert.Contains("block 2", DepthScaling.Mismatch(narrower, Space));
        Assert.Throws<SpaceException>(() => DepthScaling.Deepen(Space, 0.5));
    }

    [Fact]
    public void Two_generations_reuse_dnas_own_run_as_the_first_and_resume_a_killed_second_inside_its_blocks()
    {
        string folder = DnaRunCliTests.TempFolder("dnaplus");
        try
        {
            // Generation 1 is DNA's run with DNA's configuration: the reference run's folder serves as it is.
            var layout = new ProgressiveLayout(folder);
            CopyFolder(reference.Folder, layout.GenerationFolder(1));
            var referenceSearch = DnaRun.Open(reference.Folder).Layout.ReadSearch();
            var ratingsCopied = File.GetLastWriteTimeUtc(Path.Combine(layout.GenerationFolder(1), "ratings.db"));

            DnaRunCliTests.RunAndKillAt(folder, resume: false, line => line.Contains("block 2: distillation mse"), "--generations", "2");
            var config = layout.ReadConfig();
            var second = layout.Generation(config, 2);
            Assert.True(File.Exists(second.BlockCheckpoint(1)));
            var teacherResult = new TrainRun(layout.ScaledTeacherFolder(2)).ResultPath;
            var teacherWritten = File.GetLastWriteTimeUtc(teacherResult);
            var block1Written = File.GetLastWriteTimeUtc(second.BlockCheckpoint(0));

            var (code, output, err) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--jobs", "1", "--generations", "2", "--out", folder, "--resume"]);
            Assert.True(code == 0, err);
            Assert.Contains("== Generation 1\n   done earlier", output);
            Assert.Contains("== Scaled teacher 2\n   done earlier", output);
            Assert.Equal(ratingsCopied, File.GetLastWriteTimeUtc(layout.Generation(config, 1).RatingsPath));
            Assert.Equal(referenceSearch.Best, layout.Generation(config, 1).ReadSearch().Best);
            Assert.Equal(teacherWritten, File.GetLastWriteTimeUtc(teacherResult));
            Assert.Equal(block1Written, File.GetLastWriteTimeUtc(second.BlockCheckpoint(0)));

            // The second teacher is the first generation's searched network, deepened, in the deepened space.
            var space = second.ReadSpace();
            var teacher = new TrainRun(second.TeacherFolder).ReadConfig();
            Assert.Equal(DepthScaling.Deepen(Architecture.Parse(referenceSearch.Best.Architecture, space), space, ProgressiveConfig.DefaultDepthMultiplier).ToString(), teacher.Architecture);
            Assert.Equal(DepthScaling.Deepen(space, ProgressiveConfig.DefaultDepthMultiplier), SpaceFile.Load(layout.TeacherSpacePath(2)));
            // Every candidate of every block is rated against it, and the answer is generation 2's network, retrained unscaled.
            using (var ratings = new RatingStore(second.RatingsPath))
                for (int b = 0; b < space.Blocks.Count; b++)
                    Assert.Equal((int)space.CandidateCount(b), ratings.Count(b));
            var answer = new TrainRun(second.RetrainFolder).ReadResult()!;
            Assert.Equal(second.ReadSearch().Best.Architecture, answer.Architecture);
            Assert.Contains($"generation 2's searched architecture `{ReportParts.Cell(answer.Architecture)}`", File.ReadAllText(layout.SummaryPath));
            // The baseline is generation 1's, not trained again.
            Assert.Equal(File.ReadAllText(new TrainRun(layout.Generation(config, 1).BaselineFolder).ResultPath), File.ReadAllText(new TrainRun(second.BaselineFolder).ResultPath));

            JudgedOnAGroundTruthAfterItFinished(folder, layout, config);
        }
        finally
        {
            foreach (var f in new[] { folder, folder + "-truth", folder + "-other-truth", folder + "-plain" })
                if (Directory.Exists(f)) Directory.Delete(f, true);
        }
    }

    /// <summary>
    /// A ground truth given to the finished run with --resume rewrites only its report, which then judges each
    /// generation's own ratings: the truth here is ordered exactly as generation 1's summed ratings, so generation 1's
    /// Kendall tau is 1 and generation 2's is the tau between the two generations' sums, counted here from ratings.db.
    /// </summary>
    private static void JudgedOnAGroundTruthAfterItFinished(string folder, ProgressiveLayout layout, ProgressiveConfig config)
    {
        var space = layout.Generation(config, 1).ReadSpace();
        var rng = new DnaNas.Randomness.StableRandom(7);
        var architectures = Enumerable.Range(0, 40).Select(_ => space.Sample(rng)).DistinctBy(a => a.ToString()).Take(12)
            .OrderBy(a => CostModel.Of(space, a).Params).ToList();
        double Summed(int generation, Architecture a)
        {
            using var ratings = new RatingStore(layout.Generation(config, generation).RatingsPath);
            return a.Blocks.Select((c, b) => ratings.Block(b, 0).Single(r => r.Candidate == c.ToString()).ScaledMae).Sum();
        }
        var first = architectures.Select(a => Summed(1, a)).ToList();
        var second = architectures.Select(a => Summed(2, a)).ToList();
        string truth = folder + "-truth";
        WriteGroundTruth(truth, config, architectures.Select((a, i) => (a, i < 6 ? "small" : "large", 0.95 - 0.01 * first[i])).ToList(), space);
        var summaryBefore = File.ReadAllText(layout.SummaryPath);
        Assert.Contains("Not judged: the run was given no ground truth", summaryBefore);
        var ratingsWritten = File.GetLastWriteTimeUtc(layout.Generation(config, 2).RatingsPath);

        var (code, output, err) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--jobs", "1", "--generations", "2", "--out", folder, "--resume", "--ground-truth", truth]);
        Assert.True(code == 0, err);
        Assert.Contains("rewritten with the ground truth", output);
        Assert.Equal(ratingsWritten, File.GetLastWriteTimeUtc(layout.Generation(config, 2).RatingsPath));
        static double Tau(string[] row) => double.Parse(row[5].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        var rows = JudgedRows(layout);
        Assert.Equal(["all", "large", "small"], rows.Select(r => r[1]).Distinct().Order()); // all networks and both bands of 6
        Assert.Equal(6, rows.Count);                                                          // for both generations
        Assert.All(rows.Where(r => r[4] == "1"), r => Assert.Equal(1.0, Tau(r)));
        double expected = DnaNas.Search.Ranking.RankCorrelation.KendallTauB(second.Select(v => -v).ToList(), first.Select(v => -v).ToList());
        Assert.Equal(expected, Tau(rows.Single(r => r[1] == "all" && r[4] == "2")), 3);
        Assert.True(File.Exists(Path.Combine(layout.PlotsFolder, RatingQualityPerGeneration.PlotFile)));
        Assert.Contains("Read with care: in large, small", File.ReadAllText(layout.SummaryPath)); // no seed pairs: no noise measured

        // A ground truth of another space, or one given to a plain DNA run, is refused in one line, and the copy stays.
        string other = folder + "-other-truth";
        WriteGroundTruth(other, config with { Dna = config.Dna with { SpaceName = "fmnist-vit" } }, architectures.Select(a => (a, "small", 0.9)).ToList(), space);
        (code, output, err) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--jobs", "1", "--generations", "2", "--out", folder, "--resume", "--ground-truth", other]);
        Assert.Equal(1, code);
        Assert.Contains("is of space fmnist-vit, and this run searches", err);
        Assert.DoesNotContain("loading", output); // refused before the data loads
        Assert.Equal(Path.GetFullPath(truth), KnownAccuracies.Read(layout.GroundTruthPath)!.Source);
        (code, _, err) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--out", folder + "-plain", "--ground-truth", truth]);
        Assert.Equal(1, code);
        Assert.Contains("--ground-truth judges the generations of a DNA+ run", err);

        // A ground truth of one band is judged as that band, its flatness said of the whole; a resume without the
        // option keeps judging on the copy.
        WriteGroundTruth(truth, config, architectures.Select((a, i) => (a, "quick", 0.95 - 0.01 * first[i])).ToList(), space);
        (code, _, err) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--jobs", "1", "--generations", "2", "--out", folder, "--resume", "--ground-truth", truth]);
        Assert.True(code == 0, err);
        (code, _, err) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--jobs", "1", "--generations", "2", "--out", folder, "--resume"]);
        Assert.True(code == 0, err);
        rows = JudgedRows(layout);
        Assert.Equal(["quick", "quick"], rows.Select(r => r[1]));
        Assert.Equal(1.0, Tau(rows.Single(r => r[4] == "1")));
        Assert.Contains("Read with care: in quick", File.ReadAllText(layout.SummaryPath));
    }

    /// <summary>The cells of the report's rating-quality rows (band, networks, spread, generation, tau, ...).</summary>
    private static List<string[]> JudgedRows(ProgressiveLayout layout) =>
        File.ReadAllLines(layout.SummaryPath).SkipWhile(l => !l.StartsWith("## Rating quality per generation")).Skip(1).TakeWhile(l => !l.StartsWith("## "))
            .Where(l => l.StartsWith("| ") && !l.StartsWith("| band"))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries)).ToList();

    /// <summary>A dna ground-truth folder holding the given accuracies, as if its trainings had finished.</summary>
    private static void WriteGroundTruth(string folder, ProgressiveConfig config, IReadOnlyList<(Architecture Architecture, string Band, double Test)> networks, SearchSpace space)
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, true);
        Directory.CreateDirectory(folder);
        var gt = new GroundTruthConfig(config.Dna.SpaceName, config.Dna.Data, new TrainRecipe { Epochs = 1 }, DnaNas.Search.CostKind.Params, 0);
        File.WriteAllText(Path.Combine(folder, "config.json"), System.Text.Json.JsonSerializer.Serialize(gt, JsonOptions.Compact));
        using var store = new GroundTruthStore(new GroundTruthRun(folder, gt).DatabasePath);
        foreach (var (n, i) in networks.Select((n, i) => (n, i)))
        {
            var cost = CostModel.Of(space, n.Architecture);
            store.Upsert(new GroundTruthEntry(i, n.Architecture.ToString(), cost.Params, cost.Macs, n.Test, n.Test, 1) { Band = n.Band, Seed = 0 });
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
