using NetGen.Data;

namespace NetGen.Tests.Data;

public sealed class MnistDatasetTests : IDisposable
{
    // Loaded once for the class: decompressing the bundled 6 MB takes a fraction of a second.
    private static readonly Lazy<MnistDataset> Bundled = new(() => MnistDataset.Load(TestPaths.MnistFolder));

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Load_BundledSubset_Has8000TrainingAnd2000TestImagesOf784Pixels()
    {
        MnistDataset mnist = Bundled.Value;

        Assert.Equal(8000, mnist.TrainCount);
        Assert.Equal(2000, mnist.TestCount);
        Assert.Equal(8000 * MnistDataset.ImageSize, mnist.TrainImages.Length);
        Assert.Equal(2000 * MnistDataset.ImageSize, mnist.TestImages.Length);
        Assert.Equal(8000, mnist.TrainLabels.Length);
        Assert.Equal(2000, mnist.TestLabels.Length);
    }

    [Fact]
    public void Load_BundledSubset_LabelsAreDigitsAndEveryDigitIsCommon()
    {
        MnistDataset mnist = Bundled.Value;
        var trainPerClass = new int[MnistDataset.Classes];
        var testPerClass = new int[MnistDataset.Classes];
        foreach (int label in mnist.TrainLabels) trainPerClass[label]++; // throws if outside 0..9
        foreach (int label in mnist.TestLabels) testPerClass[label]++;

        // MNIST classes hold 9-11% each; a shuffled 8000/2000 split keeps every class well above 5%.
        Assert.All(trainPerClass, count => Assert.InRange(count, 400, 1200));
        Assert.All(testPerClass, count => Assert.InRange(count, 100, 300));
    }

    [Fact]
    public void Load_BundledSubset_PixelsAreBytesOver255WithMnistStatistics()
    {
        MnistDataset mnist = Bundled.Value;
        float[] pixels = mnist.TrainImages;

        double sum = 0;
        int zeros = 0;
        float max = 0;
        foreach (float pixel in pixels)
        {
            // Every value is exactly some byte / 255f.
            float scaled = pixel * 255f;
            Assert.Equal(MathF.Round(scaled) / 255f, pixel);
            sum += pixel;
            if (pixel == 0f) zeros++;
            max = MathF.Max(max, pixel);
        }

        // Full MNIST: mean pixel 0.1307, about 81% of pixels are exactly 0, strokes reach 255.
        Assert.InRange(sum / pixels.Length, 0.12, 0.145);
        Assert.InRange(zeros / (double)pixels.Length, 0.75, 0.87);
        Assert.Equal(1f, max);
    }

    [Fact]
    public void Load_BundledSubset_BordersAreBlankAndCentresAreInked()
    {
        MnistDataset mnist = Bundled.Value;
        double corner = 0, centre = 0;
        for (int i = 0; i < mnist.TestCount; i++)
        {
            ReadOnlySpan<float> image = mnist.TestImages.AsSpan(i * MnistDataset.ImageSize, MnistDataset.ImageSize);
            corner += image[0] + image[27] + image[27 * 28] + image[28 * 28 - 1];
            centre += image[14 * 28 + 14];
        }

        // MNIST digits are centred in a 20x20 box inside the 28x28 frame: corners are always 0.
        Assert.Equal(0, corner);
        Assert.InRange(centre / mnist.TestCount, 0.2, 0.9);
    }

    [Fact]
    public void Load_DottedRawNamesOfOfficialSite_AreAccepted()
    {
        WriteSet("train-images.idx3-ubyte", "train-labels.idx1-ubyte", images: 3, labels: [0, 9, 5]);
        WriteSet("t10k-images.idx3-ubyte", "t10k-labels.idx1-ubyte", images: 2, labels: [7, 1]);

        MnistDataset mnist = MnistDataset.Load(_folder.FullPath);

        Assert.Equal([0, 9, 5], mnist.TrainLabels);
        Assert.Equal([7, 1], mnist.TestLabels);
        // WriteSet fills image i, pixel p with (i + p) % 256.
        Assert.Equal(2 / 255f, mnist.TrainImages[2]);
        Assert.Equal((1 + 783) % 256 / 255f, mnist.TestImages[2 * 784 - 1]);
    }

    [Fact]
    public void Load_MissingTestLabels_NamesTheFileAndItsRole()
    {
        WriteSet("train-images-idx3-ubyte", "train-labels-idx1-ubyte", images: 1, labels: [3]);
        Idx.WriteImages(_folder.File("t10k-images-idx3-ubyte"), Images(1));

        var error = Assert.Throws<FileNotFoundException>(() => MnistDataset.Load(_folder.FullPath));

        string expected = _folder.File("t10k-labels-idx1-ubyte");
        Assert.Equal(expected, error.FileName);
        Assert.Contains(expected, error.Message);
        Assert.Contains("MNIST test labels", error.Message);
    }

    [Fact]
    public void Load_MissingFolder_ThrowsDirectoryNotFound()
    {
        string folder = _folder.File("nowhere");

        var error = Assert.Throws<DirectoryNotFoundException>(() => MnistDataset.Load(folder));

        Assert.Contains(folder, error.Message);
    }

    [Fact]
    public void Load_ImageAndLabelCountsDiffer_NamesBothFiles()
    {
        WriteSet("train-images-idx3-ubyte", "train-labels-idx1-ubyte", images: 3, labels: [1, 2]);
        WriteSet("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", images: 1, labels: [1]);

        var error = Assert.Throws<InvalidDataException>(() => MnistDataset.Load(_folder.FullPath));

        Assert.Contains(_folder.File("train-images-idx3-ubyte"), error.Message);
        Assert.Contains(_folder.File("train-labels-idx1-ubyte"), error.Message);
        Assert.Contains("3 images", error.Message);
        Assert.Contains("2 labels", error.Message);
    }

    [Fact]
    public void Load_LabelAboveNine_NamesFileAndIndex()
    {
        WriteSet("train-images-idx3-ubyte", "train-labels-idx1-ubyte", images: 3, labels: [1, 2, 3]);
        WriteSet("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", images: 3, labels: [4, 10, 6]);

        var error = Assert.Throws<InvalidDataException>(() => MnistDataset.Load(_folder.FullPath));

        Assert.Contains(_folder.File("t10k-labels-idx1-ubyte"), error.Message);
        Assert.Contains("label 10 at index 1", error.Message);
    }

    [Fact]
    public void Load_ImagesNot28By28_NamesFileAndSize()
    {
        WriteSet("train-images-idx3-ubyte", "train-labels-idx1-ubyte", images: 1, labels: [1]);
        WriteSet("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", images: 1, labels: [1]);
        Idx.WriteImages(_folder.File("train-images-idx3-ubyte"), new IdxImages(1, 5, 4, new byte[20]));

        var error = Assert.Throws<InvalidDataException>(() => MnistDataset.Load(_folder.FullPath));

        Assert.Contains(_folder.File("train-images-idx3-ubyte"), error.Message);
        Assert.Contains("5x4", error.Message);
    }

    [Fact]
    public void SplitTail_KeepsOrderAndPutsLastSamplesInTail()
    {
        float[] features = [0, 0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f, 4, 4.5f]; // 5 samples of 2
        int[] labels = [0, 1, 2, 3, 4];

        var (headFeatures, headLabels, tailFeatures, tailLabels) = MnistDataset.SplitTail(features, labels, featureSize: 2, tailCount: 2);

        Assert.Equal([0, 0.5f, 1, 1.5f, 2, 2.5f], headFeatures);
        Assert.Equal([0, 1, 2], headLabels);
        Assert.Equal([3, 3.5f, 4, 4.5f], tailFeatures);
        Assert.Equal([3, 4], tailLabels);
    }

    [Fact]
    public void SplitTail_FeatureLengthNotLabelsTimesSize_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => MnistDataset.SplitTail(new float[7], new int[4], featureSize: 2, tailCount: 1));

        Assert.Equal("features", error.ParamName);
        Assert.Contains("8", error.Message);
    }

    private static IdxImages Images(int count)
    {
        var pixels = new byte[count * 784];
        for (int i = 0; i < count; i++)
        {
            for (int p = 0; p < 784; p++) pixels[i * 784 + p] = (byte)((i + p) % 256);
        }
        return new IdxImages(count, 28, 28, pixels);
    }

    private void WriteSet(string imagesName, string labelsName, int images, byte[] labels)
    {
        Idx.WriteImages(_folder.File(imagesName), Images(images));
        Idx.WriteLabels(_folder.File(labelsName), labels);
    }
}
