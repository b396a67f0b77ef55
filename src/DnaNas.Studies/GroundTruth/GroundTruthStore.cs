using DnaNas.Training;
using Microsoft.Data.Sqlite;

namespace DnaNas.Studies;

/// <summary>One sampled architecture and, once trained stand-alone, its accuracies (fractions, 0-1).</summary>
public sealed record GroundTruthEntry(int Index, string Architecture, long Params, long Macs,
    double? ValidationAccuracy, double? TestAccuracy, double? TrainSeconds)
{
    public bool IsTrained => TestAccuracy is not null;
}

/// <summary>
/// The ground-truth database of a run (<c>ground-truth.db</c>, SQLite), table <c>architectures</c>: idx (the
/// sample's position, cheapest first), architecture, params, macs, and validation_accuracy, test_accuracy,
/// train_seconds (NULL until trained). The accuracies come from each architecture's own run folder
/// (<c>archs/&lt;hash&gt;/result.json</c>); this table indexes them for queries, for example:
/// <code>sqlite3 runs/gt/ground-truth.db "SELECT architecture, params, test_accuracy FROM architectures ORDER BY test_accuracy DESC"</code>
/// </summary>
public sealed class GroundTruthStore : IDisposable
{
    private readonly SqliteConnection _connection;

    public GroundTruthStore(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL");
        Execute("""
            CREATE TABLE IF NOT EXISTS architectures (
              idx INTEGER PRIMARY KEY, architecture TEXT NOT NULL UNIQUE, params INTEGER NOT NULL, macs INTEGER NOT NULL,
              validation_accuracy REAL, test_accuracy REAL, train_seconds REAL);
            """);
    }

    /// <summary>Replaces the plan (the sampled architectures) and keeps the accuracies of those trained before.</summary>
    public void Plan(IReadOnlyList<GroundTruthEntry> entries)
    {
        var trained = All().Where(e => e.IsTrained).ToDictionary(e => e.Architecture);
        using var tx = _connection.BeginTransaction();
        Execute("DELETE FROM architectures");
        foreach (var e in entries)
            Upsert(trained.TryGetValue(e.Architecture, out var done) ? e with { ValidationAccuracy = done.ValidationAccuracy, TestAccuracy = done.TestAccuracy, TrainSeconds = done.TrainSeconds } : e);
        tx.Commit();
    }

    public void Upsert(GroundTruthEntry e)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            INSERT OR REPLACE INTO architectures (idx, architecture, params, macs, validation_accuracy, test_accuracy, train_seconds)
            VALUES ($idx, $arch, $params, $macs, $val, $test, $seconds)
            """;
        cmd.Parameters.AddWithValue("$idx", e.Index);
        cmd.Parameters.AddWithValue("$arch", e.Architecture);
        cmd.Parameters.AddWithValue("$params", e.Params);
        cmd.Parameters.AddWithValue("$macs", e.Macs);
        cmd.Parameters.AddWithValue("$val", (object?)e.ValidationAccuracy ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$test", (object?)e.TestAccuracy ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$seconds", (object?)e.TrainSeconds ?? DBNull.Value);
        cmd.ExecuteNonQuery();
    }

    public IReadOnlyList<GroundTruthEntry> All()
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT idx, architecture, params, macs, validation_accuracy, test_accuracy, train_seconds FROM architectures ORDER BY idx";
        using var reader = cmd.ExecuteReader();
        var entries = new List<GroundTruthEntry>();
        while (reader.Read())
            entries.Add(new GroundTruthEntry(reader.GetInt32(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3),
                Nullable(reader, 4), Nullable(reader, 5), Nullable(reader, 6)));
        return entries;
    }

    private static double? Nullable(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetDouble(column);

    private void Execute(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();
}
