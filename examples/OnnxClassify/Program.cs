// Classifies images with an ONNX model from `dna export`:
//   dotnet run --project examples/OnnxClassify -- model.onnx <image files, or a folder with one sub-folder per class>
// With a folder of class sub-folders it also prints the accuracy. Everything it needs is in the model: the input
// size and channels (its input's shape) and the class names (metadata dnanas.classes); the normalisation is in the graph.
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: OnnxClassify model.onnx <image files, or a folder with one sub-folder per class>");
    return 2;
}

using var session = new InferenceSession(args[0]);
var input = session.InputMetadata["pixels"];
int channels = input.Dimensions[1], height = input.Dimensions[2], width = input.Dimensions[3];
var classes = session.ModelMetadata.CustomMetadataMap["dnanas.classes"].Split('\n');

// (file, true class or null): a folder's sub-folder names are the true classes.
var images = args.Skip(1).SelectMany(path => Directory.Exists(path)
        ? Directory.GetDirectories(path).Order(StringComparer.Ordinal)
            .SelectMany(d => Directory.GetFiles(d).Order(StringComparer.Ordinal).Select(f => (File: f, Truth: (string?)Path.GetFileName(d))))
        : [(File: path, Truth: (string?)null)])
    .ToList();

int correct = 0, labelled = 0;
foreach (var batch in images.Chunk(64))
{
    var pixels = new float[batch.Length * channels * height * width];
    for (int i = 0; i < batch.Length; i++) Decode(batch[i].File, channels, height, width, pixels.AsSpan(i * channels * height * width));
    using var tensor = OrtValue.CreateTensorValueFromMemory(pixels, [batch.Length, channels, height, width]);
    using var outputs = session.Run(new RunOptions(), ["pixels"], [tensor], ["logits"]);
    var logits = outputs[0].GetTensorDataAsSpan<float>();
    for (int i = 0; i < batch.Length; i++)
    {
        var row = logits.Slice(i * classes.Length, classes.Length);
        int best = 0;
        for (int k = 1; k < row.Length; k++) if (row[k] > row[best]) best = k;
        Console.WriteLine($"{batch[i].File}\t{classes[best]}");
        // A folder cannot be named "T-shirt/top": a '/' in a class name stands as '-' in its folder's name.
        if (batch[i].Truth is { } truth) { labelled++; if (truth == classes[best].Replace('/', '-')) correct++; }
    }
}
if (labelled > 0) Console.WriteLine($"accuracy {100.0 * correct / labelled:F2}% on {labelled} labelled images");
return 0;

// Decodes an image to planar float pixels / 255 at the model's size, as DnaNas prepared its training images:
// stretched to the square, mipmapped bilinear when shrinking, Mitchell cubic when enlarging, gray as BT.601 luma.
static void Decode(string file, int channels, int height, int width, Span<float> destination)
{
    using var decoded = SKBitmap.Decode(file) ?? throw new InvalidDataException($"cannot decode {file}");
    using var rgba = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
    bool shrinking = decoded.Width > width || decoded.Height > height;
    var sampling = shrinking ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear) : new SKSamplingOptions(SKCubicResampler.Mitchell);
    using (var premultiplied = decoded.Copy(SKColorType.Rgba8888))
        if (!premultiplied.ScalePixels(rgba, sampling)) throw new InvalidDataException($"cannot resize {file}");
    var p = rgba.GetPixelSpan();
    int plane = width * height;
    for (int i = 0; i < plane; i++)
    {
        byte r = p[4 * i], g = p[4 * i + 1], b = p[4 * i + 2];
        if (channels == 1) destination[i] = (299 * r + 587 * g + 114 * b + 500) / 1000 / 255f;
        else { destination[i] = r / 255f; destination[plane + i] = g / 255f; destination[2 * plane + i] = b / 255f; }
    }
}
