using DnaNas.Space;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DnaNas.Modules;

/// <summary>
/// Builds the TorchSharp module of one op family's ops at a layer position: the half of a family that needs tensors
/// (the other half, parsing and cost, is <see cref="IOpFamily"/> in DnaNas.Space). The module must have exactly the
/// parameters and MACs of <see cref="IOpFamily.Cost"/>.
/// </summary>
/// <remarks>
/// ONNX export will not widen this interface: an exporter gets its own small per-family writer keyed by the same
/// family name (<see cref="IOpFamily.Name"/>), registered beside the builder, walking the module built here.
/// </remarks>
public interface IOpModuleBuilder
{
    /// <summary>A module that maps the layer's input (InChannels x InSize) to its output (OutChannels x OutSize).</summary>
    Module<Tensor, Tensor> Build(Op op, LayerShape shape, OpSettings settings);
}

/// <summary>The module builders of the op families, by family name, filled in one place.</summary>
public static class OpModules
{
    private static readonly Lock Gate = new();

    // The one place built-in builders are registered. Copy-on-write, so building on other threads never locks.
    private static Dictionary<string, IOpModuleBuilder> _builders = new()
    {
        [MBConvFamily.Instance.Name] = new MBConvBuilder(),
        [TransformerFamily.Instance.Name] = new TransformerBuilder(),
    };

    /// <summary>Registers a family that parses, costs and builds its own ops, in both registries at once.</summary>
    public static T Register<T>(T family) where T : IOpFamily, IOpModuleBuilder
    {
        lock (Gate)
        {
            OpFamilies.Register(family);
            Volatile.Write(ref _builders, new Dictionary<string, IOpModuleBuilder>(_builders) { [family.Name] = family });
        }
        return family;
    }

    /// <summary>The module of a non-skip op; skips have none, since a block ends at its first skip.</summary>
    public static Module<Tensor, Tensor> Build(Op op, LayerShape shape, OpSettings settings)
    {
        if (op.IsSkip) throw new ArgumentException("skip has no module: a block ends at its first skip", nameof(op));
        if (!Volatile.Read(ref _builders).TryGetValue(op.Family.Name, out var builder))
            throw new SpaceException($"op {op} of family {op.Family.Name} has no module builder: register the family with OpModules.Register");
        return builder.Build(op, shape, settings);
    }

    private sealed class TransformerBuilder : IOpModuleBuilder
    {
        public Module<Tensor, Tensor> Build(Op op, LayerShape shape, OpSettings settings) =>
            op is TransformerOp t
                ? new TransformerLayer(shape, t.Heads, t.MlpRatio)
                : throw new ArgumentException($"op {op} is not a transformer op", nameof(op));
    }

    private sealed class MBConvBuilder : IOpModuleBuilder
    {
        public Module<Tensor, Tensor> Build(Op op, LayerShape shape, OpSettings settings) =>
            op is MBConvOp m
                ? new MBConv(shape, m.Kernel, m.Expansion, settings.SqueezeExcite, settings.Activation)
                : throw new ArgumentException($"op {op} is not an MBConv op", nameof(op));
    }
}
