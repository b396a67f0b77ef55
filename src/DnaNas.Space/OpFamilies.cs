namespace DnaNas.Space;

/// <summary>What every op family's layers see of the space besides their own shape.</summary>
public readonly record struct OpSettings(bool SqueezeExcite, Activation Activation);

/// <summary>
/// A family of ops (timm's block families): how its tokens read and what an op costs at a layer position. The
/// TorchSharp module of an op is built in DnaNas.Modules (<c>IOpModuleBuilder</c>), which keeps this project free of
/// tensors; a test per family checks that the analytic cost here equals the built module's.
/// </summary>
public interface IOpFamily
{
    /// <summary>Unique among registered families, lower case: <c>mbconv</c>.</summary>
    string Name { get; }

    /// <summary>An example token and its meaning, for "expected an op like ..." errors: <c>k3e6 (kernel 3, expansion 6)</c>.</summary>
    string Syntax { get; }

    /// <summary>
    /// Reads a trimmed, lower-case token. Null with a null <paramref name="reason"/>: not this family's token (another
    /// family may read it); null with a reason: this family's form, but invalid (the reason says why).
    /// </summary>
    Op? TryParse(string token, out string? reason);

    /// <summary>Parameters and MACs of one of this family's ops at a layer position.</summary>
    Cost Cost(Op op, LayerShape shape, OpSettings settings);
}

/// <summary>The op families a token can belong to, filled in one place; <c>skip</c> belongs to none of them.</summary>
public static class OpFamilies
{
    private static readonly Lock Gate = new();

    // The one place built-in families are registered. Copy-on-write, so parsing on other threads never locks.
    private static IOpFamily[] _all = [MBConvFamily.Instance, TransformerFamily.Instance];

    public static IReadOnlyList<IOpFamily> All => Volatile.Read(ref _all);

    internal static IOpFamily SkipFamily { get; } = new SkipOpFamily();

    /// <summary>Adds a family; its tokens must not overlap another family's (parsing refuses a token two families read).</summary>
    public static T Register<T>(T family) where T : IOpFamily
    {
        lock (Gate)
        {
            if (family.Name == SkipFamily.Name || _all.Any(f => f.Name == family.Name))
                throw new SpaceException($"op family \"{family.Name}\" is already registered: give the new family another name");
            Volatile.Write(ref _all, [.. _all, family]);
        }
        return family;
    }

    /// <summary>Parses a token such as <c>k5e3</c> or <c>skip</c>; null with a reason when malformed.</summary>
    public static Op? TryParse(string token, out string? reason)
    {
        var t = token.Trim().ToLowerInvariant();
        reason = null;
        if (SkipFamily.TryParse(t, out _) is { } skip) return skip;
        Op? found = null;
        IOpFamily? owner = null;
        string? rejected = null;
        foreach (var family in All)
        {
            var op = family.TryParse(t, out var why);
            if (op is null) { rejected ??= why; continue; }
            if (owner is not null)
            {
                reason = $"op families {owner.Name} and {family.Name} both read this token: change one family's tokens";
                return null;
            }
            (found, owner) = (op, family);
        }
        if (found is null) reason = rejected ?? $"expected an op like {string.Join(", ", All.Select(f => f.Syntax))} or skip";
        return found;
    }

    private sealed class SkipOpFamily : IOpFamily
    {
        public string Name => "skip";
        public string Syntax => "skip";
        public Op? TryParse(string token, out string? reason)
        {
            reason = null;
            return token is "skip" or "id" or "identity" ? Op.Skip : null;
        }
        public Cost Cost(Op op, LayerShape shape, OpSettings settings) => Space.Cost.Zero;
    }
}
