using System.CommandLine;
using DnaNas.Data;
using DnaNas.Export;
using DnaNas.Export.Latency;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Training.Hardware;

namespace DnaNas.Cli;

/// <summary>
/// <c>dna bench latency</c> (a per-op latency table on TorchSharp or ONNX Runtime, its correction fitted on networks
/// timed whole and its error on held-out ones) and <c>dna bench inference</c> (a trained network on both runtimes).
/// </summary>
internal static class LatencyBenchCommand
{
    public static Command Latency()
    {
        var space = CommonOptions.Space();
        var runtime = new Option<string>("--runtime")
        {
            Description = "torchsharp (where DnaNas trains; --mode chooses training or inference) or onnx (ONNX Runtime inference of exported models, where they are deployed).",
            DefaultValueFactory = _ => "torchsharp",
        };
        var mode = new Option<LatencyMode>("--mode") { Description = "TorchSharp only: training (forward and backward) or inference (forward, eval mode).", DefaultValueFactory = _ => LatencyMode.Training };
        var batch = new Option<int?>("--batch-size") { Description = "Images per timed batch (default: 128 on TorchSharp, 1 on ONNX Runtime)." };
        var repeats = new Option<int?>("--repeats") { Description = "Timed rounds per layer and network, the median counts (default: 5 on TorchSharp, 21 on ONNX Runtime)." };
        var fit = new Option<int?>("--fit") { Description = "Random networks timed whole to fit the table's correction on (default: 0 on TorchSharp, the plain sum; 10 on ONNX Runtime)." };
        var line = new Option<bool>("--line") { Description = "Fit the correction as a least-squares line (intercept and slope) instead of a scale, the median ratio of measured to summed time." };
        var check = new Option<int?>("--check") { Description = "Held-out random networks timed whole against the prediction (default: 6 on TorchSharp, beside one uniform network per op; 30 on ONNX Runtime)." };
        var roundMs = new Option<double>("--round-ms")
        {
            Description = "ONNX Runtime only: the least length of a timed round, in milliseconds (runs per round grow to fill it; shorter rounds catch the machine's bursts).",
            DefaultValueFactory = _ => new OnnxTimingSettings().RoundSeconds * 1000,
        };
        var fresh = new Option<bool>("--fresh") { Description = "Measure the table again even if this machine has one cached." };
        var seed = CommonOptions.Seed();
        var threads = new Option<int?>("--threads") { Description = "Threads of the timed runtime (default: libtorch's choice on TorchSharp, 1 on ONNX Runtime)." };
        var output = new Option<string?>("--out") { Description = "Also write the table (with its correction) here, for dna search --latency-table." };
        var command = new Command("latency",
            "Measure a latency table (every op at every layer position) on this machine, fit its correction on networks timed whole, and report its error on held-out networks.")
        {
            space, runtime, mode, batch, repeats, roundMs, fit, line, check, fresh, seed, threads, output,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            bool onnx = ParseRuntime(p.GetValue(runtime)!) == LatencyRuntime.OnnxRuntime;
            if (onnx && p.GetResult(mode) is { Implicit: false } && p.GetValue(mode) != LatencyMode.Inference)
                throw new ArgumentException("--runtime onnx times inference only: leave out --mode");
            TorchRuntime.Initialize(onnx ? 1 : p.GetValue(threads));
            var s = BuiltinSpaces.Resolve(p.GetValue(space)!);
            if (p.GetValue(roundMs) <= 0) throw new ArgumentException("--round-ms must be positive");
            if (!onnx && p.GetResult(roundMs) is { Implicit: false }) throw new ArgumentException("--round-ms sets ONNX Runtime's rounds: use it with --runtime onnx");
            var request = new TableRequest(s, onnx ? LatencyRuntime.OnnxRuntime : LatencyRuntime.TorchSharp, onnx ? LatencyMode.Inference : p.GetValue(mode),
                p.GetValue(batch) ?? (onnx ? 1 : 128), p.GetValue(repeats) ?? (onnx ? 21 : LatencyProfiler.DefaultRepeats), p.GetValue(threads) ?? (onnx ? 1 : TorchRuntime.Threads),
                p.GetValue(roundMs) / 1000);
            int fitCount = p.GetValue(fit) ?? (onnx ? 10 : 0), checkCount = p.GetValue(check) ?? (onnx ? 30 : 6);
            if (fitCount < 0 || (p.GetValue(line) && fitCount is > 0 and < 2)) throw new ArgumentException("--fit must be 0 (the plain sum) or more, at least 2 with --line");
            if (p.GetValue(line) && fitCount == 0) throw new ArgumentException("--line fits a correction: give --fit 2 or more");
            if (checkCount < 0 || (onnx && checkCount == 1)) throw new ArgumentException("--check must be 0 or at least 2 networks (a rank correlation needs two)");

            var table = request.Measured(p.GetValue(fresh));
            Console.WriteLine($"stem and head: {table.FixedMicros:F1} us/image{(table.SearchesWidths ? " at the reference widths" : "")} ({request.Describe()}, {table.Machine})");
            var (fitOn, heldOut) = LatencyPredictor.Networks(s, fitCount, checkCount, p.GetValue(seed));
            // TorchSharp's check has always included the uniform network of every op, the extremes of the space.
            if (!onnx) heldOut = s.Ops.Where(o => !o.IsSkip).Select(o => new Architecture(s.Blocks.Select(block => new Candidate(Enumerable.Repeat(o, block.Layers)))))
                .Where(u => !fitOn.Any(f => f.Equals(u))).Concat(heldOut).ToList();
            void Show(NetworkTiming t) => Console.WriteLine($"  {t.TableSum,9:F1} {t.Predicted,9:F1} {t.Measured,9:F1}  {t.Predicted / t.Measured,5:F2}x  {t.Architecture}");
            Console.WriteLine($"timing {fitOn.Count + heldOut.Count} networks whole ({fitOn.Count} to fit the correction on, {heldOut.Count} held out) ...");
            PredictorCheck result;
            if (fitCount > 0)
            {
                result = LatencyPredictor.FitAndCheck(request.Space, table, fitOn, heldOut, request.MeasureNetworks, p.GetValue(line));
                var c = result.Table.Correction!;
                Console.WriteLine(p.GetValue(line)
                    ? $"correction fitted on {c.FittedOn} networks: {c.Intercept:F1} + {c.Slope:F3} x table sum"
                    : $"correction fitted on {c.FittedOn} networks: {c.Slope:F3} x table sum (the median ratio of measured to summed time)");
                request.Cache(result.Table);
            }
            else
            {
                var measured = request.MeasureNetworks(heldOut);
                result = new PredictorCheck(table, [], heldOut.Select((a, i) => new NetworkTiming(a.ToString(), table.Sum(s, a), table.Sum(s, a), measured[i])).ToList());
            }
            Console.WriteLine("us/image: table sum, prediction, measured; fitting networks first");
            foreach (var t in result.Fitted.Concat(result.HeldOut)) Show(t);
            if (p.GetValue(output) is { } path)
            {
                AtomicFile.WriteAllText(path, result.Table.ToJson());
                Console.WriteLine($"table: {path}");
            }
            if (heldOut.Count >= 2)
                Console.WriteLine($"held-out networks: median absolute percentage error {result.HeldOutMedianApe:F1}% " +
                                  (fitCount > 0 ? $"(the plain sum: {result.HeldOutSumMedianApe:F1}%) " : "") +
                                  $"over {result.HeldOut.Count}; Spearman {result.HeldOutSpearman:F3}");
            return 0;
        }));
        return command;
    }

    public static Command Inference()
    {
        var run = new Argument<string>("run") { Description = "A dna train folder, or a dna run folder (with --arch as in dna export)." };
        var arch = new Option<string?>("--arch") { Description = "Which network of a dna run folder: searched (default), baseline, mobilenet, teacher, or an architecture string." };
        var batch = new Option<int>("--batch-size") { Description = "The batch timed beside batch 1.", DefaultValueFactory = _ => 32 };
        var rounds = new Option<int>("--repeats") { Description = "Timed rounds per runtime and batch (the median counts; quartiles as spread), after warm-ups.", DefaultValueFactory = _ => 21 };
        var threads = new Option<int>("--threads") { Description = "Threads of both runtimes.", DefaultValueFactory = _ => 1 };
        var command = new Command("inference", "Time a trained network's inference on ONNX Runtime (its exported model) and on TorchSharp, at batch 1 and a larger batch: median and quartiles.")
        {
            run, arch, batch, rounds, threads,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            if (p.GetValue(batch) < 1 || p.GetValue(rounds) < 1 || p.GetValue(threads) < 1)
                throw new ArgumentException("--batch-size, --repeats and --threads must be at least 1");
            TorchRuntime.Initialize(p.GetValue(threads));
            var (name, folder) = ExportCommand.Resolve(p.GetValue(run)!, p.GetValue(arch));
            var (network, info, _) = TrainedNetworkExport.Load(folder);
            using (network)
            {
                var sizes = new[] { 1, p.GetValue(batch) }.Distinct().ToList();
                var timings = InferenceLatency.Compare(network, info, sizes, new OnnxTimingSettings(p.GetValue(threads), p.GetValue(rounds)));
                Console.WriteLine($"{name} ({network.Architecture}), {MachineFingerprint.Current}");
                Console.WriteLine("runtime        batch  threads   median us/image   quartiles");
                foreach (var t in timings)
                    Console.WriteLine($"{t.Runtime,-14} {t.BatchSize,5} {t.Threads,8} {t.MicrosPerImage.Median,17:F1}   {t.MicrosPerImage.LowerQuartile:F1}-{t.MicrosPerImage.UpperQuartile:F1} ({t.MicrosPerImage.Rounds} rounds)");
                foreach (int size in sizes)
                {
                    var pair = timings.Where(t => t.BatchSize == size).ToList();
                    Console.WriteLine($"batch {size}: ONNX Runtime takes {pair[0].MicrosPerImage.Median / pair[1].MicrosPerImage.Median:F2}x TorchSharp's time");
                }
            }
            return 0;
        }));
        return command;
    }

    internal static LatencyRuntime ParseRuntime(string name) => name switch
    {
        "torchsharp" => LatencyRuntime.TorchSharp,
        "onnx" => LatencyRuntime.OnnxRuntime,
        _ => throw new ArgumentException($"--runtime must be torchsharp or onnx, got \"{name}\""),
    };
}

/// <summary>Which table to measure on this machine, and how a network is timed whole the same way.</summary>
internal sealed record TableRequest(SearchSpace Space, LatencyRuntime Runtime, LatencyMode Mode, int BatchSize, int Repeats, int Threads, double RoundSeconds)
{
    private OnnxTimingSettings Onnx => new(Threads, Repeats) { RoundSeconds = RoundSeconds };
    public string CachePath => LatencyPredictor.CachePath(Space, Runtime, Mode, BatchSize, Threads,
        Runtime == LatencyRuntime.OnnxRuntime ? $"r{Repeats}.m{RoundSeconds * 1000:0.###}" : $"r{Repeats}");

    public string Describe() =>
        $"{(Runtime == LatencyRuntime.OnnxRuntime ? "ONNX Runtime" : "TorchSharp")} {Mode.ToString().ToLowerInvariant()}, batch {BatchSize}, {Threads} threads";

    /// <summary>The table from this machine's cache, or measured now (and cached without a correction until one is fitted).</summary>
    public LatencyTable Measured(bool fresh)
    {
        var cached = !fresh && File.Exists(CachePath) ? LatencyTable.FromJson(File.ReadAllText(CachePath), CachePath) : null;
        // A width space's table cached before tables timed every width is measured again.
        if (cached is not null && cached.SearchesWidths == Space.SearchesWidths)
        {
            MachineFingerprint.Check(cached, CachePath);
            Console.WriteLine($"latency table of this machine from {CachePath} (--fresh measures it again)");
            return cached with { Correction = null };
        }
        var progress = new Reporter<string>(Console.WriteLine);
        var table = Runtime == LatencyRuntime.OnnxRuntime
            ? OnnxLatencyProfiler.Measure(Space, BatchSize, Onnx, progress)
            : LatencyProfiler.Measure(Space, Mode, BatchSize, Repeats, progress);
        Cache(table);
        return table;
    }

    public void Cache(LatencyTable table)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(CachePath)!);
        AtomicFile.WriteAllText(CachePath, table.ToJson());
    }

    public IReadOnlyList<double> MeasureNetworks(IReadOnlyList<Architecture> architectures) => Runtime == LatencyRuntime.OnnxRuntime
        ? OnnxLatencyProfiler.MeasureNetworks(Space, architectures, BatchSize, Onnx)
        : architectures.Select(a => LatencyProfiler.MeasureNetwork(Space, a, Mode, BatchSize, Repeats)).ToList();
}
