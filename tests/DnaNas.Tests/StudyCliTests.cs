using DnaNas.Studies;

namespace DnaNas.Tests;

/// <summary>
/// A tiny ranking study, run once by the real <c>dna study</c> for the tests below, judged on a ground truth trained
/// apart by <c>dna ground-truth</c> in two cost bands with second seeds, as the issue's instrument is.
/// </summary>
public sealed class TinyStudy : IDisposable
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"dna-study-{Guid.NewGuid():N}");
    public string GroundTruth => Folder + "-ground-truth";
    public string Output { get; }
    /// <summary>Bands of 4 networks each, 2 of them with a second seed: 8 architectures, 12 trainings.</summary>
    public const int Architectures = 8;

    public TinyStudy()
    {
        var (gtCode, _, gtErr) = CliTests.Dna("ground-truth", "--band", "small:100000-200000:4:2", "--band", "large:300000-500000:4:2",
            "--epochs", "1", "--max-train", "256", "--max-validation", "256", "--max-test", "256", "--threads", "1", "--jobs", "1", "--out", GroundTruth);
        Assert.True(gtCode == 0, gtErr);
        var (code, output, err) = CliTests.Dna([.. Command, "--out", Folder]);
        Assert.True(code == 0, err);
        Output = output;
    }

    /// <summary>The study's command: its DNA run, and a variant of it that samples depth first, rated beside it.</summary>
    public string[] Command => ["study", "--preset", "tiny", "--threads", "1", "--ground-truth", GroundTruth, "--dna-variant", "depth:sampling=depth-first"];

    public IReadOnlyList<TrueAccuracy> Truth()
    {
        using var store = new GroundTruthStore(Path.Combine(GroundTruth, "ground-truth.db"));
        return TrueAccuracy.Of(store.All());
    }

    public void Dispose()
    {
        foreach (var folder in new[] { Folder, GroundTruth })
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
    }
}

[Collection(Lanes.B)]
public class StudyCliTests(TinyStudy study) : IClassFixture<TinyStudy>
{
    [Fact]
    public void A_study_scores_every_ground_truth_architecture_by_every_source_and_writes_the_report_with_plots()
    {
        var stages = StudyOf(study.Folder).Stages.Select(s => s.Name).ToList();
        Assert.Contains("Dna:depth", stages);
        foreach (var stage in stages) Assert.Contains($"== {stage}", study.Output);
        using (var scores = new ScoreStore(Path.Combine(study.Folder, "scores.db")))
        {
            Assert.Equal(new[] { "dna", "dna-depth", "macs", "params", "spos", "spos+shifting" }, scores.Sources());
            foreach (var source in scores.Sources()) Assert.Equal(TinyStudy.Architectures, scores.Get(source).Count);
        }
        Assert.Contains($"{TinyStudy.Architectures} trained networks of {study.GroundTruth}", study.Output);
        string report = File.ReadAllText(Path.Combine(study.Folder, "report.md"));
        Assert.Contains("| DNA (summed block ratings) |", report);
        Assert.Contains("| SPOS + Supernet Shifting |", report);
        Assert.Contains("**DNA vs SPOS (global order):**", report);
        Assert.Contains("Shifting took", report);
        foreach (var png in new[] { "scatter-dna.png", "scatter-spos.png", "scatter-spos-shifting.png", "probes.png", "searches.png" })
            Assert.True(new FileInfo(Path.Combine(study.Folder, "plots", png)).Length > 1000, png);

        // A finished study resumes to the same report without redoing a stage.
        var (code, output, err) = CliTests.Dna([.. study.Command, "--out", study.Folder, "--resume"]);
        Assert.True(code == 0, err);
        Assert.Equal(stages.Count, output.Split('\n').Count(l => l.Contains("done earlier")));
    }

    [Fact]
    public void The_report_judges_every_source_inside_each_cost_band_with_regret_and_compute_and_says_whether_the_band_can_judge()
    {
        string report = File.ReadAllText(Path.Combine(study.Folder, "report.md"));
        var truth = study.Truth();
        Assert.Equal(4, truth.Count(t => t.Seeds == 2)); // the second seeds are averaged in, not counted twice
        foreach (var band in new[] { "small", "large" })
        {
            var inBand = truth.Where(t => t.Band == band).ToList();
            Assert.Equal(4, inBand.Count);
            Assert.All(inBand, t => Assert.InRange(t.Params, band == "small" ? 100_000 : 300_000, band == "small" ? 200_000 : 500_000));
            string section = report[report.IndexOf($"### {band}: 4 networks", StringComparison.Ordinal)..];
            Assert.Contains("seed noise of", section);
            // Every source has its row in the band, with its regret and what it cost.
            foreach (var row in new[] { "| DNA (summed block ratings) | 4 |", "| SPOS supernet accuracy | 4 |", "| params (floor) | 4 |" })
                Assert.Contains(row, section);
        }
        var dnaRow = report.Split('\n').First(l => l.StartsWith("| DNA (summed block ratings) | 4 |", StringComparison.Ordinal));
        Assert.EndsWith("min |", dnaRow.TrimEnd());
        Assert.Contains("| none (a formula) |", report.Split('\n').First(l => l.StartsWith("| params (floor) | 4 |", StringComparison.Ordinal)));

        // A regret recomputed from the stored scores is the one reported for the whole ground truth.
        using var scores = new ScoreStore(Path.Combine(study.Folder, "scores.db"));
        var parameters = scores.Get("params");
        var ordered = truth.OrderBy(t => t.Architecture, StringComparer.Ordinal).ToList();
        double regret = DnaNas.Search.Ranking.TopK.Regret(ordered.Select(t => parameters[t.Architecture]).ToList(), ordered.Select(t => t.Test).ToList());
        var quality = new RankingReport(StudyOf(study.Folder)).Qualities().Single(q => q.Source == "params");
        Assert.Equal(regret, quality.Quality.Regret.Value, 12);
    }

    private static RankingStudy StudyOf(string folder) =>
        new(folder, DnaNas.Training.DurableJson.Read<RankingStudyConfig>(Path.Combine(folder, "config.json"), "rerun the study"));

    [Fact]
    public void A_dna_variant_is_rated_as_a_source_of_its_own_on_the_studys_teacher_and_trains_its_blocks_its_own_way()
    {
        var variantConfig = DnaNas.Methods.Dna.DnaRun.Open(Path.Combine(study.Folder, "dna-depth")).Config;
        var dnaConfig = DnaNas.Methods.Dna.DnaRun.Open(Path.Combine(study.Folder, "dna")).Config;
        Assert.Equal(DnaNas.Methods.Dna.CandidateSampling.DepthFirst, variantConfig.BlockRecipe.Sampling);
        Assert.Equal(dnaConfig with { BlockRecipe = dnaConfig.BlockRecipe with { Sampling = DnaNas.Methods.Dna.CandidateSampling.DepthFirst }, TeacherRun = variantConfig.TeacherRun }, variantConfig);
        Assert.Equal(Path.Combine(study.Folder, "dna", "teacher"), variantConfig.TeacherRun);
        // Adopted, not trained again: a training of its own would have recorded its own times.
        Assert.Equal(File.ReadAllText(Path.Combine(study.Folder, "dna", "teacher", "result.json")), File.ReadAllText(Path.Combine(study.Folder, "dna-depth", "teacher", "result.json")));

        using var scores = new ScoreStore(Path.Combine(study.Folder, "scores.db"));
        var dna = scores.Get("dna");
        var variant = scores.Get("dna-depth");
        Assert.Equal(dna.Keys.Order(), variant.Keys.Order());
        Assert.Contains(dna.Keys, a => Math.Abs(dna[a] - variant[a]) > 1e-9); // other steps, other ratings
        Assert.Contains("| DNA variant depth (depth-first sampling) |", File.ReadAllText(Path.Combine(study.Folder, "report.md")));

        var (code, _, err) = CliTests.Dna("study", "--preset", "tiny", "--dna-variant", "depth:block-epochs=0", "--out", study.Folder + "-bad");
        Assert.Equal(1, code);
        Assert.Contains("block-epochs must be a whole number of 1 or more", err);
    }

    [Fact]
    public void A_study_pointed_at_a_folder_without_a_ground_truth_is_refused_in_one_line()
    {
        var (code, _, err) = CliTests.Dna("study", "--preset", "tiny", "--ground-truth", study.Folder, "--out", study.Folder + "-none");
        Assert.Equal(1, code);
        Assert.Contains("no ground-truth.db there", err);
        Assert.False(Directory.Exists(study.Folder + "-none"));
    }

    [Fact]
    public void Rank_adds_a_users_own_scores_as_a_source_and_refuses_a_malformed_file()
    {
        string csv = Path.Combine(study.Folder, "mine.csv");
        var archs = study.Truth();
        File.WriteAllLines(csv, ["architecture,score", .. archs.Select(a => $"{a.Architecture},{a.Test}")]);
        var (code, output, err) = CliTests.Dna("rank", study.Folder, "--scores", csv);
        Assert.True(code == 0, err);
        Assert.Contains("mine", output);
        // Scoring by the truth itself must rank perfectly.
        var mine = output.Split('\n').First(l => l.Contains("mine"));
        Assert.Contains("1.000", mine);

        // Rank alone leaves the study as it was; --save stores the source.
        using (var scores = new ScoreStore(Path.Combine(study.Folder, "scores.db"))) Assert.DoesNotContain("mine", scores.Sources());

        // Another valid spelling of every architecture (upper case, "id" for skip, spaces) matches the same ground truth.
        string spelled = Path.Combine(study.Folder, "spelled.csv");
        File.WriteAllLines(spelled, archs.Select(a => $"{a.Architecture.ToUpperInvariant().Replace("SKIP", "id").Replace("/", " / ")},{a.Test}"));
        (code, output, err) = CliTests.Dna("rank", study.Folder, "--scores", spelled, "--save");
        Assert.True(code == 0, err);
        Assert.Contains("1.000", output.Split('\n').First(l => l.Contains("spelled")));
        using (var scores = new ScoreStore(Path.Combine(study.Folder, "scores.db")))
            Assert.Equal(archs.Count, scores.Get("spelled").Count);

        // A user source may not take a built-in source's name.
        (code, _, err) = CliTests.Dna("rank", study.Folder, "--scores", $"dna={csv}");
        Assert.Equal(1, code);
        Assert.Contains("\"dna\" is already a rating source", err);

        File.WriteAllLines(csv, ["k3e3/k3e3/k3e3/k3e3;0.5"]);
        var (badCode, _, badErr) = CliTests.Dna("rank", study.Folder, "--scores", csv);
        Assert.Equal(1, badCode);
        Assert.Contains("line 1: expected architecture,score", badErr);
    }

    [Fact]
    public void Rank_rates_a_dna_run_folder_given_by_ratings_of_exactly_as_the_study_rates_its_own_dna_run()
    {
        var (code, output, err) = CliTests.Dna("rank", study.Folder, "--ratings-of", $"again={Path.Combine(study.Folder, "dna")}");
        Assert.True(code == 0, err);
        // The table's cells after the source's name: count, tau, Spearman, top-k, local tau and regret with their intervals.
        string[] Row(string source) => output.Split('\n').Select(l => l.Split(['│', '|'], StringSplitOptions.TrimEntries))
            .First(cells => cells.Length > 2 && cells[1] == source)[2..];
        Assert.Equal(Row("dna"), Row("again"));
        Assert.NotEqual(Row("dna"), Row("params"));

        (code, _, err) = CliTests.Dna("rank", study.Folder, "--ratings-of", $"none={study.GroundTruth}");
        Assert.Equal(1, code);
        Assert.Contains("no ratings.db there", err);
    }

    [Fact]
    public void Transfer_adapts_the_study_supernet_to_digits_and_reports_both_accuracies()
    {
        string folder = Path.Combine(study.Folder, "transfer");
        var (code, output, err) = CliTests.Dna("transfer", "--study", study.Folder, "--threads", "1", "--population", "4", "--generations", "2",
            "--scratch-epochs", "1", "--out", folder);
        Assert.True(code == 0, err);
        Assert.Contains("adapted supernet", output);
        var result = System.Text.Json.JsonSerializer.Deserialize<TransferResult>(File.ReadAllText(Path.Combine(folder, "transfer.json")),
            DnaNas.Training.JsonOptions.Compact)!;
        Assert.InRange(result.SupernetTestAccuracy, 0, 1);
        Assert.InRange(result.ScratchTestAccuracy, 0, 1);
        Assert.True(result.Params <= 250_000);
        Assert.Equal(result.Evaluated * 5, result.ShiftSteps); // 5 steps per rated candidate
        Assert.InRange(result.Evaluated, 5, 8);
        Assert.Contains("trained from scratch (test)", File.ReadAllText(Path.Combine(folder, "report.md")));
    }
}
