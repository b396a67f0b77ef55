namespace DnaNas.Data;

/// <summary>
/// Keeps a training loop's resident memory near its working set. With large tensors kept on the heap
/// (<see cref="TorchRuntime"/>), glibc reuses freed activations only in part: the small tensors of each new batch
/// land in the freed holes and split them, so every step of a wide network can leave one more activation's worth
/// behind. Measured here, the searched quick-preset network grew 37 MB a step (3.7 GB by step 117, 13 GB in a
/// quick retraining) while its live tensors stayed constant. Trimming the heap after every step keeps it flat but
/// cost 36% of the speed (each step faults its pages in again); trimming only once the heap has grown
/// <see cref="Slack"/> past what the loop needed one step after the last trim costs a few percent (0.96x the speed here).
/// The rule is process-wide: it reads the whole process's resident memory and trims every arena, so two trainings on
/// two threads of one process may trim for each other (harmless: a trim only returns freed memory).
/// </summary>
/// <param name="readResident">Resident bytes of the process (tests pass their own).</param>
/// <param name="trim">Returns freed memory to the OS (tests pass their own).</param>
public sealed class HeapGrowthLimit(Func<long> readResident, Action trim)
{
    /// <summary>Growth over the settled working set that triggers a trim.</summary>
    public const long Slack = 256L << 20;

    /// <summary>Fewest steps between two trims, so a loop whose working set varies (a supernet's paths) is not trimmed every step.</summary>
    public const int MinimumSteps = 8;

    private long? _settled;
    private int _stepsSinceTrim;
    private bool _started;

    public HeapGrowthLimit() : this(TorchRuntime.ResidentBytes, TorchRuntime.TrimNativeHeap) { }

    /// <summary>How many times the heap was trimmed.</summary>
    public int Trims { get; private set; }

    /// <summary>Call between steps, when no step's dispose scope is open.</summary>
    public void BetweenSteps()
    {
        _stepsSinceTrim++;
        // Work before the loop (DNA++'s calibration pass through the fixed blocks: 512 images at once) can leave the
        // heap a gigabyte above the loop's own working set; a first reading taken on it would let the loop run there
        // for good (measured: 1.88 GB where a trim fell to 0.54). So the loop starts from a trimmed heap.
        if (!_started)
        {
            _started = true;
            Trim();
            return;
        }
        long resident = readResident();
        // The first reading after a trim is the loop's working set: its freed memory is kept for reuse, as it should be.
        if (_settled is not { } settled)
        {
            _settled = resident;
            return;
        }
        if (resident <= settled + Slack || _stepsSinceTrim < MinimumSteps) return;
        Trim();
    }

    private void Trim()
    {
        trim();
        Trims++;
        _settled = null;
        _stepsSinceTrim = 0;
    }
}
