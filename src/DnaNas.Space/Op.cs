namespace DnaNas.Space;

/// <summary>
/// One layer's choice: an MBConv with a depthwise kernel and an expansion ratio, or the identity
/// ("skip") that ends a block early when depth is searched.
/// </summary>
public readonly record struct Op(int Kernel, int Expansion)
{
    public static readonly Op Skip = new(0, 0);

    public bool IsSkip => Kernel == 0;

    /// <summary>Canonical token: <c>k3e6</c>, or <c>skip</c>.</summary>
    public override string ToString() => IsSkip ? "skip" : $"k{Kernel}e{Expansion}";

    /// <summary>Parses a token such as <c>k5e3</c> or <c>skip</c>; null with a reason when malformed.</summary>
    public static Op? TryParse(string token, out string? reason)
    {
        reason = null;
        var t = token.Trim().ToLowerInvariant();
        if (t is "skip" or "id" or "identity") return Skip;
        int e = t.IndexOf('e');
        if (t.Length < 4 || t[0] != 'k' || e < 2
            || !int.TryParse(t.AsSpan(1, e - 1), out int k)
            || !int.TryParse(t.AsSpan(e + 1), out int x))
        {
            reason = "expected an op like k3e6 (kernel 3, expansion 6) or skip";
            return null;
        }
        if (k < 1 || k % 2 == 0) { reason = "kernel must be an odd number"; return null; }
        if (x < 1) { reason = "expansion must be at least 1"; return null; }
        return new Op(k, x);
    }
}
