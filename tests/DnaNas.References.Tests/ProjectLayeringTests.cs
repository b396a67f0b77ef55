namespace DnaNas.References.Tests;

public class ProjectLayeringTests
{
    private static string SourceRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DnaNas.slnx"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return Path.Combine(dir!.FullName, "src");
    }

    [Fact]
    public void Every_project_reference_in_src_points_down_toward_the_core()
    {
        var projects = ProjectLayering.Read(SourceRoot());
        Assert.Contains(projects, p => ProjectLayering.LayerOf(p.Project) == ProjectLayering.Method);
        var violations = projects.SelectMany(p => p.Projects.Select(r => ProjectLayering.Violation(p.Project, r))
                .Concat(p.Packages.Select(k => ProjectLayering.PackageViolation(p.Project, k))))
            .OfType<string>().ToList();
        Assert.True(violations.Count == 0, string.Join('\n', violations));
    }

    [Fact]
    public void Every_method_family_has_its_own_project_that_references_the_core()
    {
        var methods = ProjectLayering.Read(SourceRoot()).Where(p => ProjectLayering.LayerOf(p.Project) == ProjectLayering.Method).ToList();
        Assert.Equal(["DnaNas.Methods.Dna", "DnaNas.Methods.OneShot"], methods.Select(m => m.Project).Order(StringComparer.Ordinal));
        Assert.All(methods, m => Assert.Contains("DnaNas.Training", m.Projects));
    }

    [Theory]
    [InlineData("DnaNas.Training", "DnaNas.Methods.Dna")]   // the core reaching up into a method
    [InlineData("DnaNas.Methods.Dna", "DnaNas.Methods.OneShot")] // one family using another
    [InlineData("DnaNas.Methods.OneShot", "DnaNas.Studies")]
    [InlineData("DnaNas.Studies", "DnaNas.Cli")]
    [InlineData("DnaNas.Space", "DnaNas.Data")]            // the tensor-free core taking a dependency
    [InlineData("DnaNas.Data", "DnaNas.Training")]
    [InlineData("DnaNas.Export", "DnaNas.Methods.Dna")]    // export knows only the core
    [InlineData("DnaNas.Methods.Dna", "DnaNas.Export")]
    [InlineData("DnaNas.Modules", "DnaNas.Export")]
    public void A_reference_against_the_layering_is_named(string from, string to)
    {
        var why = ProjectLayering.Violation(from, to);
        Assert.NotNull(why);
        Assert.Contains(from, why);
        Assert.Contains(to, why);
    }

    [Theory]
    [InlineData("DnaNas.Methods.Dna", "DnaNas.Training")]
    [InlineData("DnaNas.Studies", "DnaNas.Methods.OneShot")]
    [InlineData("DnaNas.Cli", "DnaNas.Studies")]
    [InlineData("DnaNas.Modules", "DnaNas.Space")]
    [InlineData("DnaNas.Export", "DnaNas.Modules")]
    [InlineData("DnaNas.Cli", "DnaNas.Export")]
    public void A_reference_toward_the_core_is_allowed(string from, string to) => Assert.Null(ProjectLayering.Violation(from, to));

    [Fact]
    public void TorchSharp_in_the_space_or_search_project_is_refused() =>
        Assert.NotNull(ProjectLayering.PackageViolation("DnaNas.Search", "TorchSharp-cpu"));
}
