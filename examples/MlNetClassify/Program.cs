// Classifies images with an ONNX model from `dna export` through an ML.NET pipeline:
//   dotnet run --project examples/MlNetClassify -- model.onnx <folder with one sub-folder per class>
// LoadImages -> ResizeImages -> ExtractPixels (values / 255, gray or RGB as the model's input) -> ApplyOnnxModel.
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms.Image;

if (args.Length != 2 || !Directory.Exists(args[1]))
{
    Console.Error.WriteLine("usage: MlNetClassify model.onnx <folder with one sub-folder per class>");
    return 2;
}

// The input's shape and the class names come from the model itself.
int channels, height, width;
string[] classes;
using (var session = new InferenceSession(args[0]))
{
    var dims = session.InputMetadata["pixels"].Dimensions;
    (channels, height, width) = (dims[1], dims[2], dims[3]);
    classes = session.ModelMetadata.CustomMetadataMap["dnanas.classes"].Split('\n');
}

var images = Directory.GetDirectories(args[1]).Order(StringComparer.Ordinal)
    .SelectMany(d => Directory.GetFiles(d).Order(StringComparer.Ordinal).Select(f => new ImageFile { Path = f, Label = Path.GetFileName(d) }))
    .ToList();

var ml = new MLContext(seed: 0);
var data = ml.Data.LoadFromEnumerable(images);
IEstimator<ITransformer> pipeline = ml.Transforms.LoadImages("image", imageFolder: null, inputColumnName: nameof(ImageFile.Path))
    .Append(ml.Transforms.ResizeImages("image", width, height, resizing: ImageResizingEstimator.ResizingKind.Fill));
if (channels == 1) pipeline = pipeline.Append(ml.Transforms.ConvertToGrayscale("image"));
pipeline = pipeline
    .Append(ml.Transforms.ExtractPixels("pixels", "image",
        colorsToExtract: channels == 1 ? ImagePixelExtractingEstimator.ColorBits.Red : ImagePixelExtractingEstimator.ColorBits.Rgb,
        orderOfExtraction: ImagePixelExtractingEstimator.ColorsOrder.ARGB, scaleImage: 1f / 255))
    .Append(ml.Transforms.ApplyOnnxModel(
        outputColumnNames: ["logits"], inputColumnNames: ["pixels"], modelFile: args[0],
        shapeDictionary: new Dictionary<string, int[]> { ["pixels"] = [1, channels, height, width] },
        gpuDeviceId: null, fallbackToCpu: false, recursionLimit: 100));
var scored = pipeline.Fit(data).Transform(data);

var logits = scored.GetColumn<float[]>("logits").ToList();
int correct = 0;
for (int i = 0; i < images.Count; i++)
{
    int best = Array.IndexOf(logits[i], logits[i].Max());
    Console.WriteLine($"{images[i].Path}\t{classes[best]}");
    // A folder cannot be named "T-shirt/top": a '/' in a class name stands as '-' in its folder's name.
    if (images[i].Label == classes[best].Replace('/', '-')) correct++;
}
Console.WriteLine($"accuracy {100.0 * correct / images.Count:F2}% on {images.Count} labelled images");
return 0;

internal sealed class ImageFile
{
    public string Path { get; set; } = "";
    public string Label { get; set; } = "";
}
