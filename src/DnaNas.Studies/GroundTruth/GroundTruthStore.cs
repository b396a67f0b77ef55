using DnaNas.Training;
using Microsoft.Data.Sqlite;

namespace DnaNas.Studies;

/// <summary>
/// One planned training (an architecture of a band, with one seed) and, once trained stand-alone, its accuracies
/// (fractions, 0-1), with the protocol and trainer that produced them and the CPU it ran on.
/// </summary>
public sealed record GroundTruthEntry(int Index, string Architecture, long Params, long Macs,
    double? ValidationAccuracy, double? TestAccuracy, double? TrainSeconds)
{
    public string Band { get; init; } = CostBand.SpreadName;
    /// <summary>The training seed; null in rows written before seeds were recorded (the run's own seed).</summary>
    public long? Seed { get; init; }
    /// <summary>The <see cref="GroundTruthProtocol"/> name; null for a ground truth of a study's own recipe.</summary>
    public string? Protocol { get; init; }
    public string? Trainer { get; init; }
    public string? Cpu { get; init; }

    public bool IsTrained => TestAccuracy is not null;
}

/// <summary>
/// The ground-truth database of a run (<c>ground-truth.db</c>, SQLite). Table <c>architectures</c>, a row per planned
/// training: idx (its place in the plan), architecture, params, macs, validation_accuracy, test_accuracy,
/// train_seconds (NULL until trained), band, seed, protocol, trainer and cpu; one row per (architecture, seed).
/// Table <c>protocols</c>: each protocol name with the definition it was first trained with. The accuracies come from
/// each training's own run folder (<c>archs/</c>); this table indexes them, and is all a later session needs to go
/// on, for example:
/// <code>sqlite3 runs/gt/ground-truth.db "SELECT band, architecture, seed, test_accuracy FROM architectures ORDER BY test_accuracy DESC"</code>
/// </summary>
public sealed class GroundTruthStore : IDisposable
{
    private readonly SqliteConnection _connection;

    public GroundTruthStore(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        // A database that a repository carries between machines: no WAL side files, every commit in the one file.
        Execute("PRAGMA journal_mode=DELETE");
        if (Columns("architectures") is { Count: > 0 } columns && !columns.Contains("seed")) MigrateFromOneSeed();
        Execute(CreateArchitectures);
        Execute("CREATE TABLE IF NOT EXISTS protocols (name TEXT PRIMARY KEY, definition TEXT NOT NULL)");
    }

    private const string CreateArchitectures = """
        CREATE TABLE IF NOT EXISTS architectures (
          idx INTEGER PRIMARY KEY, architecture TEXT NOT NULL, params INTEGER NOT NULL, macs INTEGER NOT NULL,
          validation_accuracy REAL, test_accuracy REAL, train_seconds REAL,
          band TEXT NOT NULL DEFAULT 'spread', seed INTEGER, protocol TEXT, trainer TEXT, cpu TEXT,
          UNIQUE (architecture, seed));
        """;

    private HashSet<string> Columns(string table)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
        using var reader = cmd.ExecuteReader();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }

    /// <summary>A database of one seed per architecture (architecture UNIQUE) gets the per-seed table, rows kept.</summary>
    private void MigrateFromOneSeed()
    {
        using var tx = _connection.BeginTransaction();
        Execute("ALTER TABLE architectures RENAME TO architectures_one_seed");
        Execute(CreateArchitectures);
        Execute("""
            INSERT INTO architectures (idx, architecture, params, macs, validation_accuracy, test_accuracy, train_seconds)
            SELECT idx, architecture, params, macs, validation_accuracy, test_accuracy, train_seconds FROM architectures_one_seed
            """);
        Execute("DROP TABLE architectures_one_seed");
        tx.Commit();
    }

    /// <summary>
    /// Records that this ground truth trains with <paramref name="protocol"/>, or refuses when the name was recorded
    /// with another definition: a changed recipe needs a new protocol name, or rows of two recipes would mix.
    /// </summary>
    public void RequireProtocol(GroundTruthProtocol protocol)
    {
        using var read = _connection.CreateCommand();
        read.CommandText = "SELECT definition FROM protocols WHERE name = $name";
        read.Parameters.AddWithValue("$name", protocol.Name);
        string definition = protocol.Definition();
        if (read.ExecuteScalar() is string recorded)
        {
            if (recorded != definition)
                throw new TrainingException(
                    $"ground-truth protocol {protocol.Name} was recorded as {recorded}, this build defines it as {definition}: give the changed protocol a new name (a new version)");
            return;
        }
        using var write = _connection.CreateCommand();
        write.CommandText = "INSERT INTO protocols (name, definition) VALUES ($name, $definition)";
        write.Parameters.AddWithValue("$name", protocol.Name);
        write.Parameters.AddWithValue("$definition", definition);
        write.ExecuteNonQuery();
    }

    /// <summary>
    /// Replaces the plan and keeps the results of the trainings done before, matched by (architecture, seed); a row
    /// written before seeds were recorded counts as <paramref name="runSeed"/>.
    /// </summary>
    public void Plan(IReadOnlyList<GroundTruthEntry> entries, long runSeed)
    {
        var trained = All().Where(e => e.IsTrained).ToDictionary(e => (e.Architecture, e.Seed ?? runSeed));
        using var tx = _connection.BeginTransaction();
        Execute("DELETE FROM architectures");
        foreach (var e in entries)
            Upsert(trained.TryGetValue((e.Architecture, e.Seed ?? runSeed), out var done)
                ? e with { ValidationAccuracy = done.ValidationAccuracy, TestAccuracy = done.TestAccuracy, TrainSeconds = done.TrainSeconds, Trainer = done.Trainer ?? e.Trainer, Cpu = done.Cpu }
                : e);
        tx.Commit();
    }

    public void Upsert(GroundTruthEntry e)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            INSERT OR REPLACE INTO architectures (idx, architecture, params, macs, validation_accuracy, test_accuracy, train_seconds, band, seed, protocol, trainer, cpu)
            VALUES ($idx, $arch, $params, $macs, $val, $test, $seconds, $band, $seed, $protocol, $trainer, $cpu)
            """;
        cmd.Parameters.AddWithValue("$band", e.Band);
        cmd.Parameters.AddWithValue("$seed", (object?)e.Seed ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$protocol", (object?)e.Protocol ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$trainer", (object?)e.Trainer ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$cpu", (object?)e.Cpu ?? DBNull.Value);
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
        cmd.CommandText = "SELECT idx, architecture, params, macs, validation_accuracy, test_accuracy, train_seconds, band, seed, protocol, trainer, cpu FROM architectures ORDER BY idx";
        using var reader = cmd.ExecuteReader();
        var entries = new List<GroundTruthEntry>();
        while (reader.Read())
            entries.Add(new GroundTruthEntry(reader.GetInt32(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3),
                Nullable(reader, 4), Nullable(reader, 5), Nullable(reader, 6))
            {
                Band = reader.GetString(7),
                Seed = reader.IsDBNull(8) ? null : reader.GetInt64(8),
                Protocol = Text(reader, 9),
                Trainer = Text(reader, 10),
                Cpu = Text(reader, 11),
            });
        return entries;
    }

    private static double? Nullable(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetDouble(column);
    private static string? Text(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    private void Execute(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();
}
