using System.Diagnostics;

namespace DnaNas.Packaging.Tests;

/// <summary>Runs a program to its end as a user's shell would, with no state of the test host's own build leaking in.</summary>
internal static class Processes
{
    public sealed record Result(int Code, string Out, string Err)
    {
        public string Describe(string what) => $"{what} failed (exit code {Code}):\n{Err}\n{Out}";
    }

    public static ProcessStartInfo Start(string program, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        // dotnet test sets MSBuild variables for its own build; a nested dotnet pack or build must find its SDK afresh.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        // No MSBuild nodes or compiler server left running after the test.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        return start;
    }

    public static Result Run(ProcessStartInfo start, TimeSpan limit)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new Result(-1, stdout.Result, $"killed after {limit.TotalMinutes:0} min\n{stderr.Result}");
        }
        process.WaitForExit(); // flushes the redirected streams
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Run(string program, string workingDirectory, params string[] args) =>
        Run(Start(program, workingDirectory, args), TimeSpan.FromMinutes(10));
}
