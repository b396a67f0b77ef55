namespace DnaNas.Training;

/// <summary>
/// The largest resident memory of a stage: this process's high-water mark (Linux VmHWM, reset at the start of each
/// stage through /proc/self/clear_refs) or that of the largest job process it ran, whichever is higher. Recorded per
/// stage in state.json and shown in reports, so a stage that holds too much at once is visible. Measurements nest:
/// a stage that runs a staged run of its own (a DNA+ generation) keeps the largest peak of its inner stages, whose
/// resets would otherwise clear it.
/// </summary>
public static class PeakMemory
{
    private static readonly object Gate = new();
    private static readonly List<PeakMeasurement> Open = [];
    private static long _children;

    /// <summary>Starts a measurement of what follows, until it is disposed; every measurement still open keeps the peak so far.</summary>
    public static PeakMeasurement Start()
    {
        var measurement = new PeakMeasurement();
        lock (Gate)
        {
            long now = Peak();
            foreach (var enclosing in Open) enclosing.Keep(now);
            Reset();
            Open.Add(measurement);
        }
        return measurement;
    }

    internal static void End(PeakMeasurement measurement)
    {
        lock (Gate)
        {
            long now = Peak();
            Open.Remove(measurement);
            foreach (var enclosing in Open) enclosing.Keep(now);
        }
    }

    /// <summary>Clears the marks; where the platform cannot reset them, a measurement reports the process's peak so far.</summary>
    private static void Reset()
    {
        Interlocked.Exchange(ref _children, 0);
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>A job process's resident memory, seen while it runs (<see cref="Jobs.LocalProcessJobs"/> polls it).</summary>
    public static void NoteChild(long bytes) => RaiseTo(ref _children, bytes);

    /// <summary>Raises <paramref name="field"/> to <paramref name="bytes"/> if that is higher, safely against other threads.</summary>
    internal static void RaiseTo(ref long field, long bytes)
    {
        long seen;
        do seen = Interlocked.Read(ref field);
        while (bytes > seen && Interlocked.CompareExchange(ref field, bytes, seen) != seen);
    }

    /// <summary>Peak resident bytes since the latest measurement started, of this process or of one job process; 0 where unknown.</summary>
    public static long Peak() => Math.Max(OfThisProcess(), Interlocked.Read(ref _children));

    /// <summary>This process's high-water mark since the last reset (0 where unknown).</summary>
    public static long OfThisProcess() => HighWater("/proc/self/status");

    /// <summary>A process's VmHWM in bytes (0 when it is gone or the file has none).</summary>
    public static long HighWater(string statusPath)
    {
        try
        {
            foreach (var line in File.ReadLines(statusPath))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return 0;
    }
}
