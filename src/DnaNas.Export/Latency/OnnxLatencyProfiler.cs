using DnaNas.Modules;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Training.Hardware;
using Google.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Export.Latency;

/// <summary>
/// A <see cref="LatencyTable"/> for inference on ONNX Runtime, where an exported network is deployed: every op at
/// every layer position of a space written as a one-layer ONNX model (by its family's <see cref="IOpOnnxWriter"/>,
/// batch norm folded, as <c>dna export</c> writes it) and timed alone, and the stem and the head likewise. A model
/// of one layer pays the runtime's cost of a call, which a network pays once: each layer's time is net of an
/// identity model on the same input. What remains between the sum and a whole network (memory traffic between
/// layers, fusions across them) is the table's <see cref="LatencyCorrection"/>, fitted on networks timed whole.
/// </summary>
public static class OnnxLatencyProfiler
{
    public static LatencyTable Measure(SearchSpace space, int batchSize, OnnxTimingSettings settings, IProgress<string>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        random.manual_seed(0);
        // Every distinct model once (positions of one shape share theirs), then timed in passes.
        var models = new Dictionary<string, (byte[] Model, long[] Shape)>(StringComparer.Ordinal);
        string Identity(int channels, int size)
        {
            string key = $"identity {channels}x{size}";
            if (!models.ContainsKey(key)) models[key] = (IdentityModel(channels, size), [batchSize, channels, size, size]);
            return key;
        }
        for (int b = 0; b < space.Blocks.Count; b++)
            for (int l = 0; l < space.Blocks[b].Layers; l++)
                foreach (var shape in LatencyProfiler.Shapes(space, b, l))
                {
                    Identity(shape.InChannels, shape.InSize);
                    foreach (var op in space.Ops.Where(o => !o.IsSkip))
                    {
                        if (models.ContainsKey(Key(op, shape))) continue;
                        using var layer = OpModules.Build(op, shape, space.OpSettings);
                        models[Key(op, shape)] = (LayerModel(layer, space, op, shape), [batchSize, shape.InChannels, shape.InSize, shape.InSize]);
                    }
                }
        var last = space.Layer(space.Blocks.Count - 1, 0);
        using (var stemModule = new Stem(space)) models["stem"] = (StemModel(stemModule, space), [batchSize, space.InputChannels, space.InputSize, space.InputSize]);
        foreach (int width in LatencyProfiler.LastWidths(space))
        {
            var at = space.AtBlockWidth(space.Blocks.Count - 1, width);
            using var headModule = new Head(at);
            models[$"head {width}"] = (HeadModel(headModule, at), [batchSize, width, last.OutSize, last.OutSize]);
            Identity(width, last.OutSize);
        }

        var us = TimeInPasses(models, settings, progress);
        var layers = LatencyProfiler.EveryLayer(space, (op, shape) => Math.Max(0, us[Key(op, shape)] - us[Identity(shape.InChannels, shape.InSize)]), progress);
        var heads = LatencyProfiler.LastWidths(space).ToDictionary(w => w, w => Math.Max(0, us[$"head {w}"] - us[Identity(w, last.OutSize)]));
        double stem = us["stem"];
        // The stem keeps the call's cost: a network pays it once.
        var environment = RunEnvironment.Capture();
        return new LatencyTable
        {
            Space = space.Name, Mode = LatencyMode.Inference, Runtime = LatencyRuntime.OnnxRuntime, BatchSize = batchSize, Threads = settings.Threads,
            Machine = $"{environment.Cpu}, {environment.LogicalCores} logical cores", Fingerprint = MachineFingerprint.Current,
            FixedMicros = stem + heads[space.LastBlockChannels], LayerMicros = layers, HeadMicros = space.SearchesWidths ? heads : null, TimingRounds = settings.Rounds, RoundMilliseconds = settings.RoundSeconds * 1000,
        };
    }

    public const int Passes = 3;

    private static string Key(Op op, LayerShape shape) => $"{op} {shape}";

    /// <summary>
    /// Each model's median over <see cref="Passes"/> passes through all of them, in alternating order, each pass a
    /// third of the rounds: a burst of other work on the machine then lands in one pass of a model, not in all its rounds.
    /// </summary>
    private static Dictionary<string, double> TimeInPasses(Dictionary<string, (byte[] Model, long[] Shape)> models, OnnxTimingSettings settings,
        IProgress<string>? progress)
    {
        var perPass = models.Keys.ToDictionary(k => k, _ => new List<double>(), StringComparer.Ordinal);
        var pass = settings with { Rounds = Math.Max(3, (settings.Rounds + Passes - 1) / Passes) };
        var order = models.Keys.Order(StringComparer.Ordinal).ToList();
        for (int p = 0; p < Passes; p++)
        {
            progress?.Report($"timing pass {p + 1}/{Passes}: {order.Count} models, {pass.Rounds} rounds of {pass.RoundSeconds * 1000:0} ms each");
            foreach (var key in p % 2 == 0 ? order : Enumerable.Reverse(order))
                perPass[key].Add(OnnxTiming.MicrosPerImage(models[key].Model, models[key].Shape, pass).Median);
        }
        return perPass.ToDictionary(kv => kv.Key, kv => kv.Value.Order().ElementAt(kv.Value.Count / 2), StringComparer.Ordinal);
    }

    /// <summary>
    /// Whole networks with random weights, exported as <c>dna export</c> writes them, timed in passes as the table's
    /// layers are (a burst of other work then lands in one pass of a network): each one's median per image.
    /// </summary>
    public static IReadOnlyList<double> MeasureNetworks(SearchSpace space, IReadOnlyList<Architecture> architectures, int batchSize, OnnxTimingSettings settings,
        IProgress<string>? progress = null)
    {
        var models = architectures.Select(a => a.ToString()).Distinct().ToDictionary(a => a,
            a => (NetworkModel(space, Architecture.Parse(a, space)), new long[] { batchSize, space.InputChannels, space.InputSize, space.InputSize }), StringComparer.Ordinal);
        var us = TimeInPasses(models, settings, progress);
        return architectures.Select(a => us[a.ToString()]).ToList();
    }

    /// <summary>A whole network with random weights, exported as <c>dna export</c> writes it and timed the same way.</summary>
    public static TimingStats MeasureNetwork(SearchSpace space, Architecture architecture, int batchSize, OnnxTimingSettings settings) =>
        OnnxTiming.MicrosPerImage(NetworkModel(space, architecture), [batchSize, space.InputChannels, space.InputSize, space.InputSize], settings);

    /// <summary>The ONNX model of a network of the space with random weights (the weights do not change its time).</summary>
    public static byte[] NetworkModel(SearchSpace space, Architecture architecture)
    {
        using var network = new MBConvNet(space, architecture);
        var info = new ExportInfo(Enumerable.Range(0, space.Classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(),
            new float[space.InputChannels], Enumerable.Repeat(1f, space.InputChannels).ToArray(), "latency measurement");
        return NetworkOnnxWriter.Write(network, info).ToByteArray();
    }

    /// <summary>One layer (a module of <see cref="OpModules"/>) alone as an ONNX model, in eval mode as exported.</summary>
    internal static byte[] LayerModel(nn.Module<Tensor, Tensor> layer, SearchSpace space, Op op, LayerShape shape)
    {
        layer.eval();
        var g = new OnnxGraph();
        var x = g.Input("x", shape.InChannels, shape.InSize, shape.InSize);
        var y = OpOnnxWriters.Write(g, op, shape, space.OpSettings, new ModuleWeights(layer.state_dict()), x);
        g.Output(y, "y", shape.OutChannels, shape.OutSize, shape.OutSize);
        return NetworkOnnxWriter.Bare(g, $"{space.Name} {op} {shape}").ToByteArray();
    }

    internal static byte[] StemModel(Stem stem, SearchSpace space)
    {
        stem.eval();
        var g = new OnnxGraph();
        var x = g.Input("x", space.InputChannels, space.InputSize, space.InputSize);
        var y = NetworkOnnxWriter.Stem(g, space, new ModuleWeights(stem.state_dict()), x);
        g.Output(y, "y", space.Stem.OutChannels, space.StemOutSize, space.StemOutSize);
        return NetworkOnnxWriter.Bare(g, $"{space.Name} stem").ToByteArray();
    }

    internal static byte[] HeadModel(Head head, SearchSpace space)
    {
        head.eval();
        var last = space.Layer(space.Blocks.Count - 1, 0);
        var g = new OnnxGraph();
        var x = g.Input("x", space.LastBlockChannels, last.OutSize, last.OutSize);
        g.Output(NetworkOnnxWriter.Head(g, space, new ModuleWeights(head.state_dict()), x), "y", space.Classes);
        return NetworkOnnxWriter.Bare(g, $"{space.Name} head").ToByteArray();
    }

    /// <summary>The cheapest model on an input of this shape: what one call of the runtime costs before any layer.</summary>
    private static byte[] IdentityModel(int channels, int size)
    {
        var g = new OnnxGraph();
        var x = g.Input("x", channels, size, size);
        g.Output(g.Node("Identity", x), "y", channels, size, size);
        return NetworkOnnxWriter.Bare(g, "identity").ToByteArray();
    }
}
