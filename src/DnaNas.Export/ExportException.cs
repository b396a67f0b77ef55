namespace DnaNas.Export;

/// <summary>An export that cannot be written or that ONNX Runtime does not reproduce; the message names the fix.</summary>
public sealed class ExportException(string message) : Exception(message);
