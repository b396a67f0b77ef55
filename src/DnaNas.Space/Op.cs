namespace DnaNas.Space;

/// <summary>
/// One layer's choice: an op of a registered family (<see cref="OpFamilies"/>; MBConv's <c>k3e6</c> is built in),
/// or the identity ("skip") that ends a block early when depth is searched. Ops are records, so two ops are equal
/// when their family's record type and fields are; <see cref="ToString"/> is the canonical token.
/// </summary>
public abstract record Op
{
    public static Op Skip { get; } = new SkipOp();

    public bool IsSkip => this is SkipOp;

    /// <summary>The family that parses, costs and builds this op.</summary>
    public abstract IOpFamily Family { get; }

    /// <summary>Canonical token, unique among all registered families: <c>k3e6</c>, <c>skip</c>.</summary>
    public abstract string Token { get; }

    // Sealed, so a family's op record cannot fall back to the synthesized "MBConvOp { Kernel = 3 }" form, which
    // architecture strings, space files and latency tables would then store.
    public sealed override string ToString() => Token;

    /// <summary>Parses a token of any registered family, or <c>skip</c>; null with a reason when no family reads it.</summary>
    public static Op? TryParse(string token, out string? reason) => OpFamilies.TryParse(token, out reason);

    private sealed record SkipOp : Op
    {
        public override IOpFamily Family => OpFamilies.SkipFamily;
        public override string Token => "skip";
    }
}
