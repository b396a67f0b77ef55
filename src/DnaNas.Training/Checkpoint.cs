using System.Text;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DnaNas.Training;

/// <summary>
/// One file holding a JSON header (what was trained, how far, the history), the model's state and the
/// optimizer's state, written atomically so a kill mid-write leaves the previous checkpoint intact. The header
/// type and a magic string tell checkpoints of stand-alone training and of block supernets apart.
/// </summary>
public sealed class Checkpoint<TState>(string magic, string what) where TState : class
{
    public void Save(string path, TState state, nn.Module model, OptimizerHelper optimizer) =>
        AtomicFile.Write(path, stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(magic);
            w.Write(JsonSerializer.Serialize(state, JsonOptions.Compact));
            model.save(w);
            optimizer.save_state_dict(w);
            w.Write(EndMarker);
            w.Flush();
        });

    /// <summary>Reads only the header, to decide whether a checkpoint belongs to this run and how far it got.</summary>
    public TState ReadState(string path)
    {
        using var fs = File.OpenRead(path);
        RequireComplete(fs, path);
        using var r = new BinaryReader(fs, Encoding.UTF8);
        return ReadHeader(r, path);
    }

    /// <summary>Restores the model, and the optimizer when given (rating needs only the weights).</summary>
    public TState Load(string path, nn.Module model, OptimizerHelper? optimizer)
    {
        using var fs = File.OpenRead(path);
        RequireComplete(fs, path);
        using var r = new BinaryReader(fs, Encoding.UTF8);
        var state = ReadHeader(r, path);
        try
        {
            model.load(r);
            optimizer?.load_state_dict(r);
        }
        // A checkpoint cut short (a full disk, a copy interrupted) fails while the tensors are read.
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or InvalidOperationException)
        {
            throw new TrainingException($"{what} checkpoint {path} is unreadable ({FirstLine(e.Message)}); delete it to start that part over");
        }
        return state;
    }

    /// <summary>
    /// Written last, so a file cut short anywhere (a full disk, an interrupted copy) lacks it: the weights alone may
    /// still load, but the checkpoint is refused before anything is built on it.
    /// </summary>
    private const long EndMarker = 0x444E414E41534544; // "DESANAND"

    private void RequireComplete(FileStream fs, string path)
    {
        bool complete = false;
        if (fs.Length >= sizeof(long))
        {
            fs.Seek(-sizeof(long), SeekOrigin.End);
            using (var end = new BinaryReader(fs, Encoding.UTF8, leaveOpen: true)) complete = end.ReadInt64() == EndMarker;
            fs.Seek(0, SeekOrigin.Begin);
        }
        if (!complete) throw new TrainingException($"{what} checkpoint {path} is incomplete (cut short, or written by an older version); delete it to start that part over");
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    private TState ReadHeader(BinaryReader r, string path)
    {
        try
        {
            if (r.ReadString() != magic) throw new InvalidDataException($"not a {what} checkpoint");
            return JsonSerializer.Deserialize<TState>(r.ReadString(), JsonOptions.Compact)
                   ?? throw new InvalidDataException("empty header");
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or JsonException or IOException)
        {
            throw new TrainingException($"{what} checkpoint {path} is unreadable ({e.Message}); delete it to start that part over");
        }
    }
}

/// <summary>Checkpoints of stand-alone training.</summary>
public static class Checkpoint
{
    private static readonly Checkpoint<TrainingState> Format = new("DNANAS-CKPT-1", "training");

    public static void Save(string path, TrainingState state, nn.Module model, OptimizerHelper optimizer) => Format.Save(path, state, model, optimizer);
    public static TrainingState ReadState(string path) => Format.ReadState(path);
    public static TrainingState Load(string path, nn.Module model, OptimizerHelper optimizer) => Format.Load(path, model, optimizer);
}

/// <summary>Progress of a training run as stored in its checkpoint: the next epoch to run and the history so far.</summary>
public sealed record TrainingState(string Fingerprint, int CompletedEpochs, IReadOnlyList<EpochRecord> History);

/// <param name="ResidentBytes">Resident memory after the epoch, once freed memory is handed back: growth across epochs is a leak.</param>
/// <param name="PeakResidentBytes">The process's high-water mark by the end of the epoch (Linux VmHWM; 0 where unknown or recorded before it was).</param>
public sealed record EpochRecord(int Epoch, double TrainLoss, double TrainAccuracy, double ValidationLoss,
    double ValidationAccuracy, double LearningRate, double Seconds, double ImagesPerSecond, long ResidentBytes, long LiveTensors,
    long PeakResidentBytes = 0)
{
    /// <summary>" | validation 91.23%", or nothing when the epoch trained on the validation images.</summary>
    public string ValidationSuffix(string label = "validation") =>
        double.IsNaN(ValidationAccuracy) ? "" : $" | {label} {ValidationAccuracy:P2}";

    /// <summary>", peak 1.43 GB", or nothing where the peak is unknown.</summary>
    public string PeakSuffix() => PeakResidentBytes > 0 ? $", peak {PeakResidentBytes / 1e9:F2} GB" : "";
}

public sealed class TrainingException(string message) : Exception(message);

/// <summary>
/// A NaN or infinite loss stops training at the step it appears, before the step updates any weight and before the
/// epoch's checkpoint (or any rating) is written, so nothing downstream is built on a diverged model.
/// </summary>
public static class NonFiniteLoss
{
    public static void ThrowIfNotFinite(double loss, int epoch, int step)
    {
        if (!double.IsFinite(loss))
            throw new TrainingException($"epoch {epoch} step {step}: the loss is {loss}; stopped before it reached a checkpoint: lower the learning rate, or check the data for broken images");
    }
}

public static class JsonOptions
{
    public static readonly JsonSerializerOptions Compact = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
    public static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true };
}
