using System.Xml.Linq;

namespace DnaNas.References.Tests;

/// <summary>
/// The layering of src/: a core every method uses (spaces, search, data, modules, training), one project per
/// method family that knows only the core, export (deployment) beside them knowing only the core too, studies that
/// compare methods, and the CLI on top. Arrows point down:
/// a project may reference only lower layers, and inside the core only the projects listed for it.
/// </summary>
public static class ProjectLayering
{
    public const string Core = "core", Method = "method", Deploy = "deploy", Study = "study", App = "app";

    /// <summary>Inside the core the order matters too: Space and Search stay free of TorchSharp and of each other's callers.</summary>
    private static readonly Dictionary<string, string[]> CoreReferences = new()
    {
        ["DnaNas.Randomness"] = [],
        ["DnaNas.Space"] = ["DnaNas.Randomness"],
        ["DnaNas.Search"] = ["DnaNas.Randomness"],
        ["DnaNas.Data"] = ["DnaNas.Randomness", "DnaNas.Space"],
        ["DnaNas.Modules"] = ["DnaNas.Space", "DnaNas.Data"],
        ["DnaNas.Training"] = ["DnaNas.Space", "DnaNas.Data", "DnaNas.Modules", "DnaNas.Search"],
    };

    private static readonly string[] TensorFree = ["DnaNas.Randomness", "DnaNas.Space", "DnaNas.Search"];

    public static string LayerOf(string project) => project switch
    {
        _ when CoreReferences.ContainsKey(project) => Core,
        _ when project.StartsWith("DnaNas.Methods.", StringComparison.Ordinal) => Method,
        "DnaNas.Export" => Deploy,
        "DnaNas.Studies" => Study,
        "DnaNas.Cli" => App,
        _ => throw new InvalidOperationException($"project {project} belongs to no layer: add it to {nameof(ProjectLayering)}"),
    };

    private static int Rank(string layer) => layer switch { Core => 0, Method or Deploy => 1, Study => 2, _ => 3 };

    /// <summary>Why a reference breaks the layering, or null when it is allowed.</summary>
    public static string? Violation(string from, string to)
    {
        string a = LayerOf(from), b = LayerOf(to);
        if (a == Core)
            return b == Core && CoreReferences[from].Contains(to) ? null
                : $"{from} (core) references {to}; the core may reference only {string.Join(", ", CoreReferences[from].DefaultIfEmpty("nothing"))}";
        if (a == Method && b == Method) return $"{from} references {to}: a method family knows only the core, never another family";
        if ((a == Method && b == Deploy) || (a == Deploy && b == Method))
            return $"{from} references {to}: methods and export know only the core, never each other";
        if (Rank(b) >= Rank(a) && a != App) return $"{from} ({a}) references {to} ({b}): references point down, toward the core";
        return null;
    }

    public static string? PackageViolation(string project, string package) =>
        TensorFree.Contains(project) && package.StartsWith("TorchSharp", StringComparison.Ordinal)
            ? $"{project} references {package}: spaces and searchers stay free of tensors" : null;

    /// <summary>Every src/ project with the projects and packages it references, read from the .csproj files.</summary>
    public static IReadOnlyList<(string Project, string[] Projects, string[] Packages)> Read(string sourceRoot) =>
        Directory.GetFiles(sourceRoot, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Select(path =>
            {
                var xml = XDocument.Load(path);
                string[] Items(string kind) => xml.Descendants(kind).Select(e => (string?)e.Attribute("Include")).OfType<string>().ToArray();
                return (Path.GetFileNameWithoutExtension(path),
                    Items("ProjectReference").Select(r => Path.GetFileNameWithoutExtension(r.Replace('\\', '/'))).ToArray(),
                    Items("PackageReference"));
            })
            .OrderBy(p => p.Item1, StringComparer.Ordinal).ToList();
}
