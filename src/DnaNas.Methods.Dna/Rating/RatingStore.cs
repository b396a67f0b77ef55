using DnaNas.Space;
using DnaNas.Training;
using Microsoft.Data.Sqlite;

namespace DnaNas.Methods.Dna;

/// <summary>
/// The ratings database of a run (<c>ratings.db</c>, SQLite). One row per candidate of every block, so later
/// searches with other budgets reuse it without retraining. Query it directly, for example:
/// <code>
/// sqlite3 runs/x/ratings.db "SELECT block, candidate, scaled_mae, params, macs FROM ratings WHERE block = 1 ORDER BY scaled_mae LIMIT 10"
/// </code>
/// Columns: block (0-based), candidate (architecture string of the block, e.g. k3e6|k5e3|skip), depth,
/// mse, relative_mse (MSE / var of the teacher output), scaled_mae (mean |S-T| / std of the teacher output,
/// the score search uses), params, macs (the candidate's own cost, after the reference width of the block before),
/// first_op (index of the first layer's op, the unit in which rating is committed), width (the block's output
/// width where a width search rated it at another width than the block's reference one, else 0).
/// </summary>
public sealed class RatingStore : IDisposable
{
    private readonly SqliteConnection _connection;

    public string Path { get; }

    public RatingStore(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            _connection.Open();
            // WAL + a transaction per committed unit: a kill loses at most the unit in flight, never stored rows.
            Execute("PRAGMA journal_mode=WAL");
            using var check = _connection.CreateCommand();
            check.CommandText = "PRAGMA quick_check";
            if (check.ExecuteScalar() is string verdict && verdict != "ok") throw new SqliteException(verdict, 11);
        }
        catch (SqliteException e)
        {
            _connection.Dispose();
            throw new TrainingException($"ratings database {path} is damaged ({e.Message.Split('\n')[0]}); delete it and resume the run (dna run --resume) to rate again");
        }
        Execute("""
            CREATE TABLE IF NOT EXISTS ratings (
              block INTEGER NOT NULL, candidate TEXT NOT NULL, depth INTEGER NOT NULL, first_op INTEGER NOT NULL,
              mse REAL NOT NULL, relative_mse REAL NOT NULL, scaled_mae REAL NOT NULL,
              params INTEGER NOT NULL, macs INTEGER NOT NULL, width INTEGER NOT NULL DEFAULT 0,
              PRIMARY KEY (block, width, candidate));
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """);
        // Databases written before width search have no width column: every row of theirs is at width 0.
        using var columns = _connection.CreateCommand();
        columns.CommandText = "SELECT COUNT(*) FROM pragma_table_info('ratings') WHERE name = 'width'";
        if (Convert.ToInt32(columns.ExecuteScalar()) == 0) Execute("ALTER TABLE ratings ADD COLUMN width INTEGER NOT NULL DEFAULT 0");
    }

    /// <summary>
    /// Stores the ratings of one first-layer subtree of a block in one transaction. <paramref name="space"/> is the
    /// fixed-width space the cell was rated in; <paramref name="width"/> the width stored (0: the reference one).
    /// </summary>
    public void Add(SearchSpace space, int firstOp, IReadOnlyList<CandidateRating> ratings, int width = 0)
    {
        using var tx = _connection.BeginTransaction();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            INSERT OR REPLACE INTO ratings (block, candidate, depth, first_op, mse, relative_mse, scaled_mae, params, macs, width)
            VALUES ($block, $candidate, $depth, $first, $mse, $rel, $mae, $params, $macs, $width)
            """;
        var p = new[] { "$block", "$candidate", "$depth", "$first", "$mse", "$rel", "$mae", "$params", "$macs", "$width" }
            .Select(n => cmd.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        foreach (var r in ratings)
        {
            var cost = CostModel.Candidate(space, r.Block, r.Candidate);
            object[] values = [r.Block, r.Candidate.ToString(), r.Candidate.Depth, firstOp, r.Mse, r.RelativeMse, r.ScaledMae, cost.Params, cost.Macs, width];
            for (int i = 0; i < p.Length; i++) p[i].Value = values[i];
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>First-layer ops of a block (at a stored width) whose subtree is fully stored.</summary>
    public HashSet<int> CompletedFirstOps(SearchSpace space, int block, int width = 0)
    {
        var spec = space.Blocks[block];
        long perSubtree = 0;
        for (int d = Math.Max(1, spec.MinLayers); d <= spec.Layers; d++) perSubtree += (long)Math.Pow(space.Ops.Count, d - 1);
        var done = new HashSet<int>();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT first_op, COUNT(*) FROM ratings WHERE block = $b AND width = $w GROUP BY first_op";
        cmd.Parameters.AddWithValue("$b", block);
        cmd.Parameters.AddWithValue("$w", width);
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) if (reader.GetInt64(1) == perSubtree) done.Add(reader.GetInt32(0));
        return done;
    }

    /// <summary>Ratings stored for a block, over all its widths.</summary>
    public int Count(int block)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM ratings WHERE block = $b";
        cmd.Parameters.AddWithValue("$b", block);
        return Convert.ToInt32(cmd.ExecuteScalar());
    }

    /// <summary>All stored ratings of a block at one stored width (0: the reference one), in candidate order of the database.</summary>
    public IReadOnlyList<StoredRating> Block(int block, int width = 0)
    {
        var list = new List<StoredRating>();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT candidate, mse, relative_mse, scaled_mae, params, macs FROM ratings WHERE block = $b AND width = $w ORDER BY candidate";
        cmd.Parameters.AddWithValue("$b", block);
        cmd.Parameters.AddWithValue("$w", width);
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
            list.Add(new StoredRating(block, reader.GetString(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetInt64(4), reader.GetInt64(5)));
        return list;
    }

    public void SetMeta(string key, string value)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "INSERT OR REPLACE INTO meta (key, value) VALUES ($k, $v)";
        cmd.Parameters.AddWithValue("$k", key);
        cmd.Parameters.AddWithValue("$v", value);
        cmd.ExecuteNonQuery();
    }

    public string? GetMeta(string key)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT value FROM meta WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        return cmd.ExecuteScalar() as string;
    }

    private void Execute(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _connection.Dispose();
        SqliteConnection.ClearAllPools();
    }
}

public sealed record StoredRating(int Block, string Candidate, double Mse, double RelativeMse, double ScaledMae, long Params, long Macs);
