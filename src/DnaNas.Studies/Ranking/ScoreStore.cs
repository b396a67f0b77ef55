using DnaNas.Training;
using Microsoft.Data.Sqlite;

namespace DnaNas.Studies;

/// <summary>
/// Every rating source's score of every studied architecture (<c>scores.db</c>, SQLite, table <c>scores</c>:
/// source, architecture, score; higher is better, so DNA's summed block losses are stored negated).
/// </summary>
public sealed class ScoreStore : IDisposable
{
    private readonly SqliteConnection _connection;

    public ScoreStore(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS scores (source TEXT NOT NULL, architecture TEXT NOT NULL, score REAL NOT NULL,
              PRIMARY KEY (source, architecture));
            """;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Replaces a source's scores in one transaction.</summary>
    public void Put(string source, IReadOnlyDictionary<string, double> scores)
    {
        using var tx = _connection.BeginTransaction();
        using (var delete = _connection.CreateCommand())
        {
            delete.CommandText = "DELETE FROM scores WHERE source = $source";
            delete.Parameters.AddWithValue("$source", source);
            delete.ExecuteNonQuery();
        }
        foreach (var (architecture, score) in scores)
        {
            using var insert = _connection.CreateCommand();
            insert.CommandText = "INSERT INTO scores (source, architecture, score) VALUES ($source, $arch, $score)";
            insert.Parameters.AddWithValue("$source", source);
            insert.Parameters.AddWithValue("$arch", architecture);
            insert.Parameters.AddWithValue("$score", score);
            insert.ExecuteNonQuery();
        }
        tx.Commit();
    }

    public IReadOnlyDictionary<string, double> Get(string source)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT architecture, score FROM scores WHERE source = $source";
        cmd.Parameters.AddWithValue("$source", source);
        using var reader = cmd.ExecuteReader();
        var scores = new Dictionary<string, double>();
        while (reader.Read()) scores[reader.GetString(0)] = reader.GetDouble(1);
        return scores;
    }

    public IReadOnlyList<string> Sources()
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT DISTINCT source FROM scores ORDER BY source";
        using var reader = cmd.ExecuteReader();
        var sources = new List<string>();
        while (reader.Read()) sources.Add(reader.GetString(0));
        return sources;
    }

    public void Dispose() => _connection.Dispose();
}
