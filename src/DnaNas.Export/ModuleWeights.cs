using static TorchSharp.torch;

namespace DnaNas.Export;

/// <summary>
/// A trained network's weights by checkpoint key (its state dict), seen from one module's prefix, so a layer writer
/// names its own fields (<c>depthwise.conv.weight</c>) as the TorchSharp module does.
/// </summary>
public sealed class ModuleWeights
{
    private readonly IReadOnlyDictionary<string, Tensor> _state;
    private readonly string _prefix;

    public ModuleWeights(IReadOnlyDictionary<string, Tensor> state, string prefix = "")
    {
        _state = state;
        _prefix = prefix;
    }

    /// <summary>The weights under a child module: <c>At("blocks.0")</c>.</summary>
    public ModuleWeights At(string child) => new(_state, Key(child));

    public bool Has(string name) => _state.ContainsKey(Key(name));

    /// <summary>A tensor's values in row-major order, and its shape.</summary>
    public (float[] Values, long[] Dims) Read(string name)
    {
        if (!_state.TryGetValue(Key(name), out var tensor))
            throw new ExportException($"the network has no weight {Key(name)}: the exporter and the module disagree on the layer's layout");
        using var cpu = tensor.detach().to(ScalarType.Float32).contiguous();
        return (cpu.data<float>().ToArray(), cpu.shape);
    }

    private string Key(string name) => _prefix.Length == 0 ? name : $"{_prefix}.{name}";
}
