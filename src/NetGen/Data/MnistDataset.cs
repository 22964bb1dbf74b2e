using System.Numerics.Tensors;

namespace NetGen.Data;

/// <summary>
/// The MNIST handwritten digits (or any set laid out like them) loaded from the four IDX files,
/// with pixels scaled to <c>[0, 1]</c> and labels widened to <see cref="int"/>.
/// </summary>
/// <remarks>
/// Images are row-major, one after the other: image <c>i</c> is
/// <c>TrainImages[(i * 784)..((i + 1) * 784)]</c>, 28 rows of 28 pixels, <c>pixel / 255f</c>.
/// </remarks>
public sealed class MnistDataset
{
    /// <summary>Pixels per image: 28 * 28.</summary>
    public const int ImageSize = ImageRows * ImageColumns;

    /// <summary>Rows (height) of each image.</summary>
    public const int ImageRows = 28;

    /// <summary>Columns (width) of each image.</summary>
    public const int ImageColumns = 28;

    /// <summary>Number of classes: the digits 0 to 9.</summary>
    public const int Classes = 10;

    private MnistDataset(float[] trainImages, int[] trainLabels, float[] testImages, int[] testLabels)
    {
        TrainImages = trainImages;
        TrainLabels = trainLabels;
        TestImages = testImages;
        TestLabels = testLabels;
    }

    /// <summary>Training images, <c>TrainCount * 784</c> values in <c>[0, 1]</c>.</summary>
    public float[] TrainImages { get; }

    /// <summary>Training labels, <c>TrainCount</c> values in <c>0..9</c>.</summary>
    public int[] TrainLabels { get; }

    /// <summary>Test images, <c>TestCount * 784</c> values in <c>[0, 1]</c>.</summary>
    public float[] TestImages { get; }

    /// <summary>Test labels, <c>TestCount</c> values in <c>0..9</c>.</summary>
    public int[] TestLabels { get; }

    /// <summary>Number of training images.</summary>
    public int TrainCount => TrainLabels.Length;

    /// <summary>Number of test images.</summary>
    public int TestCount => TestLabels.Length;

    /// <summary>
    /// Loads the four MNIST files from <paramref name="folder"/>: <c>train-images-idx3-ubyte</c>,
    /// <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c>,
    /// each raw or with a <c>.gz</c> suffix, also under the dotted names of the official site
    /// (<c>train-images.idx3-ubyte</c>).
    /// </summary>
    /// <param name="folder">The folder that holds the files.</param>
    /// <returns>The loaded dataset.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">One of the four files is missing (the message says which).</exception>
    /// <exception cref="InvalidDataException">
    /// A file is not valid IDX, its images are not 28x28, its image and label counts differ, or a
    /// label is outside 0..9 (the message names the file and, for labels, the index).
    /// </exception>
    public static MnistDataset Load(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string fullFolder = Path.GetFullPath(folder);
        if (!Directory.Exists(fullFolder))
        {
            throw new DirectoryNotFoundException($"MNIST folder not found: {fullFolder}");
        }

        (float[] trainImages, int[] trainLabels) = LoadPair(fullFolder, "train", "training");
        (float[] testImages, int[] testLabels) = LoadPair(fullFolder, "t10k", "test");
        return new MnistDataset(trainImages, trainLabels, testImages, testLabels);
    }

    /// <summary>
    /// Splits samples into a head and the last <paramref name="tailCount"/> samples, for example a
    /// training set and a validation set. Both parts are copies.
    /// </summary>
    /// <param name="features">All features, <c>samples * featureSize</c> values.</param>
    /// <param name="labels">One label per sample.</param>
    /// <param name="featureSize">Values per sample in <paramref name="features"/> (784 for MNIST).</param>
    /// <param name="tailCount">How many samples go to the tail, <c>0..samples</c>.</param>
    /// <returns>The first <c>samples - tailCount</c> samples, then the last <paramref name="tailCount"/>.</returns>
    public static (float[] HeadFeatures, int[] HeadLabels, float[] TailFeatures, int[] TailLabels) SplitTail(
        float[] features, int[] labels, int featureSize, int tailCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureSize);
        int samples = labels.Length;
        if (features.LongLength != (long)samples * featureSize)
        {
            throw new ArgumentException(
                $"{nameof(features)} has {features.Length} values; expected {nameof(labels)}.Length * {nameof(featureSize)} = {samples} * {featureSize} = {(long)samples * featureSize}.",
                nameof(features));
        }
        if (tailCount < 0 || tailCount > samples)
        {
            throw new ArgumentOutOfRangeException(nameof(tailCount), tailCount, $"{nameof(tailCount)} must be in 0..{samples} (the number of samples).");
        }

        int headCount = samples - tailCount;
        return (
            features.AsSpan(0, headCount * featureSize).ToArray(),
            labels.AsSpan(0, headCount).ToArray(),
            features.AsSpan(headCount * featureSize).ToArray(),
            labels.AsSpan(headCount).ToArray());
    }

    private static (float[] Images, int[] Labels) LoadPair(string folder, string prefix, string description)
    {
        string imagesPath = FindFile(folder, prefix, "images", "idx3-ubyte", $"MNIST {description} images");
        string labelsPath = FindFile(folder, prefix, "labels", "idx1-ubyte", $"MNIST {description} labels");

        IdxImages images = Idx.ReadImages(imagesPath);
        if (images.Rows != ImageRows || images.Columns != ImageColumns)
        {
            throw new InvalidDataException(
                $"file {imagesPath}: images are {images.Rows}x{images.Columns}; MNIST images are {ImageRows}x{ImageColumns}.");
        }

        byte[] labelBytes = Idx.ReadLabels(labelsPath);
        if (labelBytes.Length != images.Count)
        {
            throw new InvalidDataException(
                $"MNIST {description} files disagree: {imagesPath} has {images.Count} images but {labelsPath} has {labelBytes.Length} labels.");
        }

        var labels = new int[labelBytes.Length];
        for (int i = 0; i < labelBytes.Length; i++)
        {
            if (labelBytes[i] >= Classes)
            {
                throw new InvalidDataException(
                    $"file {labelsPath}: label {labelBytes[i]} at index {i} is outside 0..{Classes - 1}.");
            }
            labels[i] = labelBytes[i];
        }

        var pixels = new float[images.Pixels.Length];
        TensorPrimitives.ConvertChecked<byte, float>(images.Pixels, pixels);
        TensorPrimitives.Divide(pixels, 255f, pixels);
        return (pixels, labels);
    }

    // Accepts "train-images-idx3-ubyte" (the usual name) and "train-images.idx3-ubyte" (the
    // official site's extracted name), each raw or gzip-compressed.
    private static string FindFile(string folder, string prefix, string kind, string suffix, string description)
    {
        string hyphenated = $"{prefix}-{kind}-{suffix}";
        string dotted = $"{prefix}-{kind}.{suffix}";
        ReadOnlySpan<string> candidates = [hyphenated, hyphenated + ".gz", dotted, dotted + ".gz"];
        foreach (string name in candidates)
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path)) return path;
        }

        string expected = Path.Combine(folder, hyphenated);
        throw new FileNotFoundException(
            $"{description} file not found: {expected} (also looked for {hyphenated}.gz, {dotted} and {dotted}.gz in {folder}).",
            expected);
    }
}
