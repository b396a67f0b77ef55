using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using DnaNas.Data;
using DnaNas.Methods.Dna;

namespace DnaNas.Tests;

/// <summary>What a run does when it is killed, interrupted, fed a damaged file or a diverging loss.</summary>
[Collection(TinyReferenceRun.Collection)]
public class SoundnessCliTests(TinyReferenceRun reference)
{
    private static string TempFolder(string name) => Path.Combine(Path.GetTempPath(), $"dna-{name}-{Guid.NewGuid():N}");

    /// <summary>Job processes of a run folder, found by their command line (/proc), so nothing is missed however they were started.</summary>
    private static List<int> JobsOf(string folder) =>
        Directory.GetDirectories("/proc").Select(d => Path.GetFileName(d)).Where(n => n.All(char.IsDigit)).Select(int.Parse)
            .Where(pid =>
            {
                try { return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0') is var args && args.Contains("job") && args.Contains(folder); }
                catch (IOException) { return false; }
                catch (UnauthorizedAccessException) { return false; }
            }).ToList();

    /// <param name="asTerminalJob">
    /// Start the run with Ctrl+C's signal (SIGINT) at its default, as a terminal's foreground job has it. A process
    /// started in the background of a script inherits SIGINT ignored (the shell's rule, which .NET keeps), and a test
    /// host may have been started that way, as CI does.
    /// </param>
    private static Process StartUntil(string[] args, Func<string, bool> ready, out List<string> lines, bool asTerminalJob = false)
    {
        var start = CliTests.DnaStart(args);
        if (asTerminalJob)
        {
            start.ArgumentList.Insert(0, start.FileName);
            start.ArgumentList.Insert(0, "--default-signal=INT");
            start.FileName = "env";
        }
        var process = new Process { StartInfo = start };
        var seen = new List<string>();
        var gate = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (seen) seen.Add(e.Data);
            if (ready(e.Data)) gate.Set();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (seen) seen.Add("err: " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Assert.True(gate.Wait(TimeSpan.FromMinutes(4)), "never reached the point to interrupt:\n" + string.Join('\n', seen));
        lines = seen;
        return process;
    }

    [Fact]
    public void Killing_the_parent_of_parallel_jobs_leaves_no_job_running_and_the_resumed_run_rates_like_an_uninterrupted_one()
    {
        string folder = TempFolder("orphans");
        try
        {
            using var parent = StartUntil([.. DnaRunCliTests.Tiny, "--jobs", "2", "--out", folder], l => l.Contains("training 4 blocks, 2 jobs at a time"), out _);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (JobsOf(folder).Count < 2 && DateTime.UtcNow < deadline) Thread.Sleep(100);
            Assert.Equal(2, JobsOf(folder).Count);

            parent.Kill(entireProcessTree: false); // SIGKILL to the parent's PID only: its jobs get no signal
            parent.WaitForExit();
            Thread.Sleep(TimeSpan.FromSeconds(5));
            Assert.Empty(JobsOf(folder));

            var (code, _, err) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--jobs", "2", "--out", folder, "--resume"]);
            Assert.True(code == 0, err);
            DnaRunCliTests.AssertSameRatings(reference.Folder, folder);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void Ctrl_c_stops_at_the_next_step_says_how_to_resume_and_leaves_a_resumable_folder()
    {
        string folder = TempFolder("interrupted");
        try
        {
            using var run = StartUntil([.. DnaRunCliTests.Tiny, "--jobs", "1", "--out", folder], l => l.Contains("block 1/4 epoch 1/1"), out var lines, asTerminalJob: true);
            Assert.Equal(0, Kill(run.Id, 2)); // SIGINT, as Ctrl+C sends
            Assert.True(run.WaitForExit(TimeSpan.FromSeconds(60)), "Ctrl+C did not stop the run");
            run.WaitForExit();
            Assert.Equal(130, run.ExitCode);
            lock (lines) Assert.Contains(lines, l => l.Contains("stopped; the folder is resumable: dna run") && l.Contains("--resume"));
            // Stopped before the end (which stage depends on how fast this machine is), with what was done kept.
            var state = DnaRun.Open(folder).Layout.ReadState();
            Assert.False(state.IsDone("Report"));
            Assert.True(state.IsDone("Features"));

            var (code, output, err) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--jobs", "1", "--out", folder, "--resume"]);
            Assert.True(code == 0, err);
            Assert.Contains("== Features\n   done earlier", output);
            DnaRunCliTests.AssertSameRatings(reference.Folder, folder);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [Fact]
    public void A_diverging_loss_stops_training_at_once_naming_epoch_and_step_before_anything_is_saved()
    {
        string folder = TempFolder("nan");
        try
        {
            var (code, _, err) = CliTests.Dna("train", "--max-train", "512", "--max-test", "256", "--epochs", "2", "--batch-size", "64",
                "--lr", "1e30", "--warmup", "0", "--threads", "1", "--out", folder);
            Assert.Equal(1, code);
            Assert.Matches(@"epoch 1 step \d+: the loss is (NaN|∞|-∞|Infinity)", err);
            Assert.Single(err.Trim().Split('\n'));
            Assert.False(File.Exists(Path.Combine(folder, "checkpoint.bin")), "a diverged model reached a checkpoint");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    /// <summary>A copy of the finished reference run whose state says <paramref name="done"/> stages are done (the rest to redo).</summary>
    private string CopyWithDone(string name, int done)
    {
        string folder = TempFolder(name);
        foreach (var file in Directory.GetFiles(reference.Folder, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(folder, Path.GetRelativePath(reference.Folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        string state = Path.Combine(folder, "state.json");
        var json = JsonNode.Parse(File.ReadAllText(state))!;
        var kept = json["done"]!.AsArray().Take(done).Select(n => (JsonNode?)JsonValue.Create(n!.GetValue<string>())).ToArray();
        json["done"] = new JsonArray(kept);
        File.WriteAllText(state, json.ToJsonString());
        return folder;
    }

    private static void Truncate(string path) => File.WriteAllBytes(path, File.ReadAllBytes(path)[..(int)(new FileInfo(path).Length / 2)]);

    private static void AssertOneLineNaming((int Code, string Out, string Err) result, string file, string fix)
    {
        Assert.Equal(1, result.Code);
        Assert.Single(result.Err.Trim().Split('\n'));
        Assert.Contains(file, result.Err);
        Assert.Contains(fix, result.Err);
    }

    [Fact]
    public void Damaged_run_files_are_one_line_errors_naming_the_file_and_the_fix()
    {
        var folders = new List<string>();
        try
        {
            // state.json cut short
            string a = CopyWithDone("state", 8);
            folders.Add(a);
            Truncate(Path.Combine(a, "state.json"));
            AssertOneLineNaming(CliTests.Dna([.. DnaRunCliTests.Tiny, "--out", a, "--resume"]), "state.json", "delete it");

            // a block checkpoint cut short, read when block training resumes
            string b = CopyWithDone("block", 2);
            folders.Add(b);
            Truncate(Path.Combine(b, "supernet", "block1.bin"));
            AssertOneLineNaming(CliTests.Dna([.. DnaRunCliTests.Tiny, "--jobs", "1", "--out", b, "--resume"]), "block1.bin", "delete it");

            // the feature cache cut short, read when rating resumes
            string c = CopyWithDone("features", 3);
            folders.Add(c);
            File.Delete(Path.Combine(c, "ratings.db"));
            Truncate(Path.Combine(c, "features", "rating.bin"));
            AssertOneLineNaming(CliTests.Dna([.. DnaRunCliTests.Tiny, "--jobs", "1", "--out", c, "--resume"]), "rating.bin", "delete the file");

            // search.json damaged, read by the report
            string d = CopyWithDone("search", 7);
            folders.Add(d);
            File.WriteAllText(Path.Combine(d, "search.json"), "{\"best\": {\"architecture\": ");
            AssertOneLineNaming(CliTests.Dna([.. DnaRunCliTests.Tiny, "--out", d, "--resume"]), "search.json", "delete it");

            // ratings.db overwritten, read by dna search
            string e = CopyWithDone("ratings", 8);
            folders.Add(e);
            File.WriteAllBytes(Path.Combine(e, "ratings.db"), [.. Enumerable.Repeat((byte)0x5A, 8192)]);
            foreach (var side in Directory.GetFiles(e, "ratings.db-*")) File.Delete(side);
            AssertOneLineNaming(CliTests.Dna("search", e, "--budget-params", "150000"), "ratings.db", "delete it");
        }
        finally
        {
            foreach (var f in folders) if (Directory.Exists(f)) Directory.Delete(f, true);
        }
    }

    [Fact]
    public void A_teacher_of_other_data_or_another_split_is_named_and_the_same_data_in_a_subset_is_not()
    {
        var run = new DatasetRequest(DatasetKind.FashionMnist, null, 28, 1);
        Assert.Null((run with { MaxTrain = 2_000 }).DifferenceFrom(run));
        Assert.Contains("split seed 1", (run with { SplitSeed = 1 }).DifferenceFrom(run));
        Assert.Contains("digits", (run with { Kind = DatasetKind.Digits }).DifferenceFrom(run));
        Assert.Contains("/tmp/photos", (run with { Kind = DatasetKind.ImageFolder, Path = "/tmp/photos" }).DifferenceFrom(run with { Kind = DatasetKind.ImageFolder, Path = "/tmp/other" }));
    }

    [Fact]
    public void No_preset_rates_candidates_on_images_its_teacher_trained_on()
    {
        var data = new DatasetRequest(DatasetKind.FashionMnist, null, 28, 1);
        foreach (var preset in DnaConfig.PresetNames)
        {
            var config = DnaConfig.Preset(preset, data);
            // Ratings come from validation images, so the teacher must not train on them.
            Assert.False(TeacherStage.TeacherRecipe(config).TrainOnValidation, preset);
            if (config.RetrainRecipe.TrainOnValidation) Assert.False(config.TeacherIsBaseline, preset);
        }
    }
}
