namespace DnaNas.Training;

/// <summary>One stage's memory measurement (<see cref="PeakMemory.Start"/>).</summary>
public sealed class PeakMeasurement : IDisposable
{
    private long _kept;

    /// <summary>The largest resident bytes since it started, nested measurements included.</summary>
    public long Peak => Math.Max(Interlocked.Read(ref _kept), PeakMemory.Peak());

    internal void Keep(long bytes) => PeakMemory.RaiseTo(ref _kept, bytes);

    public void Dispose() => PeakMemory.End(this);
}
