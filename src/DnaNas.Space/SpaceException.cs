namespace DnaNas.Space;

/// <summary>A malformed search space, space file or architecture string. The message names the bad part.</summary>
public sealed class SpaceException(string message) : Exception(message);
