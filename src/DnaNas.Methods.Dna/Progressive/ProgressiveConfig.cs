using DnaNas.Data;

namespace DnaNas.Methods.Dna;

/// <summary>
/// What a DNA+ run depends on (Li et al., DNA family, TPAMI 2024): DNA's configuration, used by every generation,
/// how many generations, and how much deeper each later generation's teacher is than the network it scales.
/// </summary>
public sealed record ProgressiveConfig
{
    public const double DefaultDepthMultiplier = 1.5;

    /// <summary>Generation 1's DNA run, and every later one's but for the teacher.</summary>
    public required DnaConfig Dna { get; init; }
    public int Generations { get; init; } = 2;
    /// <summary>Each later teacher: the previous searched architecture with this many times its layers (<see cref="Space.DepthScaling"/>).</summary>
    public double DepthMultiplier { get; init; } = DefaultDepthMultiplier;

    /// <summary>A one-line reason the configuration cannot run, or null.</summary>
    public string? Problem() => Problem(Generations, DepthMultiplier);

    /// <inheritdoc cref="Problem()"/>
    public static string? Problem(int generations, double depthMultiplier) =>
        generations < 1 ? $"--generations must be 1 or more, got {generations}"
        : !(depthMultiplier >= 1) || double.IsInfinity(depthMultiplier) ? $"--depth-multiplier must be 1 or more, got {depthMultiplier}"
        : null;
}
