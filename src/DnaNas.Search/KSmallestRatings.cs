namespace DnaNas.Search;

/// <summary>
/// The k smallest ratings seen so far in a sweep, kept sorted. A sweep visits solutions from the one that beats
/// most others to the one that beats fewest; a solution is beaten by at least k earlier ones exactly when the
/// k-th smallest earlier rating is at most its own.
/// </summary>
internal sealed class KSmallestRatings(int k)
{
    private readonly double[] _smallest = new double[k];
    private int _count;

    /// <summary>True when at least k ratings seen so far are &lt;= <paramref name="rating"/>.</summary>
    public bool HasKAtMost(double rating) => _count == _smallest.Length && _smallest[_count - 1] <= rating;

    /// <summary>The k-th smallest rating seen so far; +infinity while fewer than k have been seen.</summary>
    public double KthSmallest => _count == _smallest.Length ? _smallest[_count - 1] : double.PositiveInfinity;

    public void Add(double rating)
    {
        if (HasKAtMost(rating)) return;
        int at = _count < _smallest.Length ? _count++ : _count - 1;
        while (at > 0 && _smallest[at - 1] > rating)
        {
            _smallest[at] = _smallest[at - 1];
            at--;
        }
        _smallest[at] = rating;
    }
}
