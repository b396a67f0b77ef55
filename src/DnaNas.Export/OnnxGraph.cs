using Google.Protobuf;
using Onnx;

namespace DnaNas.Export;

/// <summary>
/// Builds an ONNX graph node by node (the generated protobuf classes of OnnxSharp): each call adds one node or one
/// initializer and returns the name of the value it produced, so a writer reads like the forward pass it mirrors.
/// </summary>
public sealed class OnnxGraph
{
    private int _next;

    public GraphProto Proto { get; } = new() { Name = "dnanas" };

    /// <summary>A float32 input [batch, channels, height, width] whose batch dimension is dynamic.</summary>
    public string Input(string name, params long[] fixedDims)
    {
        Proto.Input.Add(ValueInfo(name, fixedDims));
        return name;
    }

    /// <summary>Names a node's output and marks it as a graph output [batch, ...] of float32.</summary>
    public void Output(string value, string name, params long[] fixedDims)
    {
        var producer = Proto.Node.Last(n => n.Output.Contains(value));
        producer.Output[producer.Output.IndexOf(value)] = name;
        Proto.Output.Add(ValueInfo(name, fixedDims));
    }

    /// <summary>A float32 weight tensor stored in the model.</summary>
    public string Weight(string hint, float[] data, params long[] dims)
    {
        if (data.LongLength != dims.Aggregate(1L, (a, d) => a * d))
            throw new ArgumentException($"weight {hint}: {data.Length} values do not fill [{string.Join(", ", dims)}]");
        var bytes = new byte[data.Length * sizeof(float)];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length); // ONNX raw data is little-endian, as this runtime is
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian");
        var tensor = new TensorProto { Name = Fresh(hint), DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        Proto.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A float32 scalar constant.</summary>
    public string Scalar(string hint, float value) => Weight(hint, [value]);

    /// <summary>An int64 tensor constant (shapes, indices); no dims makes it a scalar.</summary>
    public string Int64s(string hint, long[] values, bool scalar = false)
    {
        var tensor = new TensorProto { Name = Fresh(hint), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Int64Data.AddRange(values);
        if (!scalar) tensor.Dims.Add(values.Length);
        else if (values.Length != 1) throw new ArgumentException("a scalar holds one value");
        Proto.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a node of the default (ai.onnx) domain and returns the name of its one output.</summary>
    public string Node(string op, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Fresh(op) };
        node.Input.AddRange(inputs);
        node.Output.Add(node.Name + "_out");
        node.Attribute.AddRange(attributes);
        Proto.Node.Add(node);
        return node.Output[0];
    }

    public string Node(string op, string input, params AttributeProto[] attributes) => Node(op, [input], attributes);

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private string Fresh(string hint) => $"{hint}_{_next++}";

    private static ValueInfoProto ValueInfo(string name, long[] fixedDims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (var d in fixedDims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
