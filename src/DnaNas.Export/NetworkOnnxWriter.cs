using DnaNas.Modules;
using DnaNas.Space;
using Onnx;
using static DnaNas.Export.OnnxGraph;

namespace DnaNas.Export;

/// <summary>What an exported model says about itself, written into its metadata.</summary>
/// <param name="ClassNames">The label of each logit, in order.</param>
/// <param name="Mean">Per-channel normalisation the network was trained with, folded into the graph.</param>
public sealed record ExportInfo(IReadOnlyList<string> ClassNames, float[] Mean, float[] Std, string Source)
{
    public const string InputName = "pixels";
    public const string OutputName = "logits";
}

/// <summary>
/// Writes a trained <see cref="MBConvNet"/> of any space as an ONNX model: the input normalisation, the stem, every
/// block's layers through their family's <see cref="IOpOnnxWriter"/>, the head; eval mode (dropout gone, batch norm
/// folded). The input is <c>pixels</c>, float32 [batch, C, H, W] in [0, 1] (8-bit values / 255), the output
/// <c>logits</c> [batch, classes]; the batch dimension is dynamic.
/// </summary>
public static class NetworkOnnxWriter
{
    public const int DefaultOpset = 17;
    public const int MinOpset = 17;   // LayerNormalization
    public const int MaxOpset = 21;

    public static ModelProto Write(MBConvNet network, ExportInfo info, int opset = DefaultOpset)
    {
        if (opset is < MinOpset or > MaxOpset)
            throw new ExportException($"opset {opset} is not supported: choose {MinOpset} to {MaxOpset} (--opset)");
        var space = network.Space.At(network.Architecture);
        if (info.Mean.Length != space.InputChannels || info.Std.Length != space.InputChannels)
            throw new ExportException($"the normalisation has {info.Mean.Length} channels, the network {space.InputChannels}: give the statistics it was trained with");
        if (info.ClassNames.Count != space.Classes)
            throw new ExportException($"{info.ClassNames.Count} class names for {space.Classes} classes: give the names of the data the network was trained on");

        var state = network.state_dict();
        var weights = new ModuleWeights(state);
        var g = new OnnxGraph();
        var x = Normalise(g, g.Input(ExportInfo.InputName, space.InputChannels, space.InputSize, space.InputSize), info);
        x = Stem(g, space, weights.At("stem"), x);
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            var candidate = network.Architecture.Blocks[b];
            for (int l = 0; l < candidate.Layers.Count && !candidate.Layers[l].IsSkip; l++)
                x = OpOnnxWriters.Write(g, candidate.Layers[l], space.Layer(b, l), space.OpSettings, weights.At($"blocks.{b}.layers.{l}"), x);
        }
        g.Output(Head(g, space, weights.At("head"), x), ExportInfo.OutputName, space.Classes);
        return Model(g, opset, network, info);
    }

    /// <summary>(x - mean) / std per channel, as the training batches were normalised.</summary>
    private static string Normalise(OnnxGraph g, string x, ExportInfo info)
    {
        long c = info.Mean.Length;
        var centred = g.Node("Sub", [x, g.Weight("mean", info.Mean, 1, c, 1, 1)]);
        return g.Node("Div", [centred, g.Weight("std", info.Std, 1, c, 1, 1)]);
    }

    internal static string Stem(OnnxGraph g, SearchSpace space, ModuleWeights w, string x)
    {
        var y = OnnxLayers.ConvBn(g, w.At("conv"), x, space.Stem.Stride, 1, space.Activation);
        return space.Stem.SeparableChannels > 0
            ? OpOnnxWriters.Write(g, SearchSpace.StemSeparableOp, space.StemSeparableShape, space.OpSettings, w.At("separable"), y)
            : y;
    }

    internal static string Head(OnnxGraph g, SearchSpace space, ModuleWeights w, string x)
    {
        var y = space.Head.Channels > 0 ? OnnxLayers.ConvBn(g, w.At("conv"), x, 1, 1, space.Activation) : x;
        var pooled = g.Node("Flatten", [g.Node("GlobalAveragePool", y)], Int("axis", 1));
        var (weight, dims) = w.Read("classifier.weight");
        var (bias, biasDims) = w.Read("classifier.bias");
        return g.Node("Gemm", [pooled, g.Weight("fc_w", weight, dims), g.Weight("fc_b", bias, biasDims)], Int("transB", 1));
    }

    /// <summary>A model of a graph with no metadata (the parts of a network the latency profiler times alone).</summary>
    internal static ModelProto Bare(OnnxGraph g, string description, int opset = DefaultOpset)
    {
        var model = new ModelProto
        {
            IrVersion = opset <= 18 ? 8 : opset <= 20 ? 9 : 10, // the IR version that introduced each opset
            ProducerName = "DnaNas",
            ProducerVersion = typeof(NetworkOnnxWriter).Assembly.GetName().Version?.ToString() ?? "",
            DocString = description,
            Graph = g.Proto,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    private static ModelProto Model(OnnxGraph g, int opset, MBConvNet network, ExportInfo info)
    {
        var model = Bare(g, $"{network.Space.Name} {network.Architecture}", opset);
        var space = network.Space.At(network.Architecture);
        var metadata = new Dictionary<string, string>
        {
            ["dnanas.space"] = network.Space.Name,
            ["dnanas.architecture"] = network.Architecture.ToString(),
            ["dnanas.source"] = info.Source,
            ["dnanas.input"] = $"{ExportInfo.InputName}: float32 [batch, {space.InputChannels}, {space.InputSize}, {space.InputSize}], pixel values / 255; normalisation folded in",
            ["dnanas.mean"] = string.Join(",", info.Mean.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))),
            ["dnanas.std"] = string.Join(",", info.Std.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))),
            ["dnanas.classes"] = string.Join("\n", info.ClassNames),
        };
        foreach (var (key, value) in metadata) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }
}
