using DnaNas.Space;

namespace DnaNas.Export;

/// <summary>
/// Writes one op family's layer into an ONNX graph: the export half of a family, beside its parser and cost
/// (<see cref="IOpFamily"/>) and its module builder (DnaNas.Modules' <c>IOpModuleBuilder</c>), keyed by the same name.
/// </summary>
public interface IOpOnnxWriter
{
    /// <summary>
    /// Adds the layer of <paramref name="op"/> at <paramref name="shape"/>, reading its trained weights from
    /// <paramref name="weights"/> (the built module's fields), and returns the name of its output.
    /// </summary>
    string Write(OnnxGraph graph, Op op, LayerShape shape, OpSettings settings, ModuleWeights weights, string input);
}

/// <summary>The ONNX writers of the op families, by family name, filled in one place.</summary>
public static class OpOnnxWriters
{
    private static readonly Lock Gate = new();

    // The one place built-in writers are registered. Copy-on-write, as OpModules' builders.
    private static Dictionary<string, IOpOnnxWriter> _writers = new()
    {
        [MBConvFamily.Instance.Name] = new MBConvOnnxWriter(),
        [TransformerFamily.Instance.Name] = new TransformerOnnxWriter(),
    };

    /// <summary>Registers the writer of a family registered with OpModules.Register, so its networks export too.</summary>
    public static void Register(string familyName, IOpOnnxWriter writer)
    {
        lock (Gate) Volatile.Write(ref _writers, new Dictionary<string, IOpOnnxWriter>(_writers) { [familyName] = writer });
    }

    public static string Write(OnnxGraph graph, Op op, LayerShape shape, OpSettings settings, ModuleWeights weights, string input)
    {
        if (op.IsSkip) throw new ArgumentException("skip has no layer: a block ends at its first skip", nameof(op));
        if (!Volatile.Read(ref _writers).TryGetValue(op.Family.Name, out var writer))
            throw new ExportException($"op {op} of family {op.Family.Name} has no ONNX writer: register one with OpOnnxWriters.Register");
        return writer.Write(graph, op, shape, settings, weights, input);
    }
}
