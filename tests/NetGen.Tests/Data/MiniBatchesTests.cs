using NetGen.Data;

namespace NetGen.Tests.Data;

public class MiniBatchesTests
{
    private const int FeatureSize = 3;

    // Sample i has features (i, i + 0.25, i + 0.5) and label i, so every batch row can be traced
    // back to its sample and a row whose features and label came from different samples shows.
    private static (float[] Features, int[] Labels) Dataset(int count)
    {
        var features = new float[count * FeatureSize];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i;
            for (int f = 0; f < FeatureSize; f++) features[i * FeatureSize + f] = i + f * 0.25f;
        }
        return (features, labels);
    }

    private static int[] EpochOrder(MiniBatches<int> batches, int epoch)
    {
        batches.StartEpoch(epoch);
        var order = new List<int>();
        for (int b = 0; b < batches.BatchCount; b++)
        {
            int rows = batches.GetBatch(b, out ReadOnlySpan<float> features, out ReadOnlySpan<int> labels);
            Assert.Equal(rows * FeatureSize, features.Length);
            Assert.Equal(rows, labels.Length);
            for (int r = 0; r < rows; r++)
            {
                for (int f = 0; f < FeatureSize; f++) Assert.Equal(labels[r] + f * 0.25f, features[r * FeatureSize + f]);
                order.Add(labels[r]);
            }
        }
        return [.. order];
    }

    [Fact]
    public void EveryEpoch_VisitsEverySampleExactlyOnce_WithMatchingFeatures()
    {
        var (features, labels) = Dataset(103);
        var batches = new MiniBatches<int>(features, labels, FeatureSize, labelSize: 1, batchSize: 10, seed: 42);

        for (int epoch = 0; epoch < 3; epoch++)
        {
            int[] order = EpochOrder(batches, epoch);
            Array.Sort(order);
            Assert.Equal(Enumerable.Range(0, 103), order);
        }
    }

    [Fact]
    public void SameSeedAndEpoch_GiveSameOrder_InAnotherInstanceAndAfterOtherEpochs()
    {
        var (features, labels) = Dataset(50);
        var first = new MiniBatches<int>(features, labels, FeatureSize, 1, batchSize: 8, seed: 7);
        var second = new MiniBatches<int>(features, labels, FeatureSize, 1, batchSize: 8, seed: 7);

        int[] epoch2 = EpochOrder(first, 2);
        EpochOrder(second, 0);
        EpochOrder(second, 5);

        Assert.Equal(epoch2, EpochOrder(second, 2));
        Assert.Equal(epoch2, EpochOrder(first, 2)); // resuming an epoch repeats it
    }

    [Fact]
    public void Orders_DifferAcrossEpochsAndSeeds_AndAreShuffled()
    {
        var (features, labels) = Dataset(50);
        var seed7 = new MiniBatches<int>(features, labels, FeatureSize, 1, batchSize: 8, seed: 7);
        var seed8 = new MiniBatches<int>(features, labels, FeatureSize, 1, batchSize: 8, seed: 8);

        int[] epoch0 = EpochOrder(seed7, 0);
        int[] epoch1 = EpochOrder(seed7, 1);
        int[] otherSeed = EpochOrder(seed8, 0);

        // 50! orders: a collision between any two of these would be a bug, not bad luck.
        Assert.NotEqual(epoch0, epoch1);
        Assert.NotEqual(epoch0, otherSeed);
        Assert.NotEqual(Enumerable.Range(0, 50), epoch0);
    }

    [Fact]
    public void ShuffleOff_GivesDatasetOrderEveryEpoch()
    {
        var (features, labels) = Dataset(23);
        var batches = new MiniBatches<int>(features, labels, FeatureSize, 1, batchSize: 5, seed: 1, shuffle: false);

        Assert.Equal(Enumerable.Range(0, 23), EpochOrder(batches, 0));
        Assert.Equal(Enumerable.Range(0, 23), EpochOrder(batches, 4));
    }

    [Fact]
    public void LastBatch_IsShort_UnlessDropLast()
    {
        var (features, labels) = Dataset(103);
        var keep = new MiniBatches<int>(features, labels, FeatureSize, 1, batchSize: 10, seed: 3);
        var drop = new MiniBatches<int>(features, labels, FeatureSize, 1, batchSize: 10, seed: 3, dropLast: true);

        Assert.Equal(11, keep.BatchCount);
        Assert.Equal(10, keep.GetBatch(9, out _, out _));
        Assert.Equal(3, keep.GetBatch(10, out ReadOnlySpan<float> shortFeatures, out ReadOnlySpan<int> shortLabels));
        Assert.Equal(3 * FeatureSize, shortFeatures.Length);
        Assert.Equal(3, shortLabels.Length);

        Assert.Equal(10, drop.BatchCount);
        Assert.Equal(100, EpochOrder(drop, 0).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => drop.GetBatch(10, out _, out _));
    }

    [Fact]
    public void MultiValueLabels_StayWithTheirSample()
    {
        // 7 samples, features (i), labels (10i, 10i + 1) as float targets.
        var features = new float[7];
        var labels = new float[14];
        for (int i = 0; i < 7; i++)
        {
            features[i] = i;
            labels[2 * i] = 10 * i;
            labels[2 * i + 1] = 10 * i + 1;
        }
        var batches = new MiniBatches<float>(features, labels, featureSize: 1, labelSize: 2, batchSize: 4, seed: 5);

        int seen = 0;
        for (int b = 0; b < batches.BatchCount; b++)
        {
            int rows = batches.GetBatch(b, out ReadOnlySpan<float> batchFeatures, out ReadOnlySpan<float> batchLabels);
            for (int r = 0; r < rows; r++)
            {
                Assert.Equal(10 * batchFeatures[r], batchLabels[2 * r]);
                Assert.Equal(10 * batchFeatures[r] + 1, batchLabels[2 * r + 1]);
                seen++;
            }
        }
        Assert.Equal(7, seen);
    }

    [Fact]
    public void StartEpochAndGetBatch_AllocateNothingAfterWarmUp()
    {
        var (features, labels) = Dataset(257);
        var batches = new MiniBatches<int>(features, labels, FeatureSize, 1, batchSize: 16, seed: 11);
        float checksum = 0;
        void RunEpoch(int epoch)
        {
            batches.StartEpoch(epoch);
            for (int b = 0; b < batches.BatchCount; b++)
            {
                batches.GetBatch(b, out ReadOnlySpan<float> batchFeatures, out ReadOnlySpan<int> batchLabels);
                checksum += batchFeatures[0] + batchLabels[0];
            }
        }
        RunEpoch(0); // warm-up: JIT and any lazy runtime state

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int epoch = 1; epoch <= 5; epoch++) RunEpoch(epoch);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.NotEqual(0, checksum);
    }

    [Fact]
    public void Constructor_FeatureLengthNotCountTimesFeatureSize_NamesSizes()
    {
        var error = Assert.Throws<ArgumentException>(() => new MiniBatches<int>(new float[10], new int[4], featureSize: 3, labelSize: 1, batchSize: 2, seed: 0));

        Assert.Equal("features", error.ParamName);
        Assert.Contains("10", error.Message);
        Assert.Contains("12", error.Message);
    }

    [Fact]
    public void Constructor_LabelLengthNotMultipleOfLabelSize_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new MiniBatches<int>(new float[6], new int[5], featureSize: 3, labelSize: 2, batchSize: 2, seed: 0));

        Assert.Equal("labels", error.ParamName);
    }

    [Fact]
    public void BatchLargerThanDataset_GivesOneShortBatch()
    {
        var (features, labels) = Dataset(5);
        var batches = new MiniBatches<int>(features, labels, FeatureSize, 1, batchSize: 64, seed: 0);

        Assert.Equal(1, batches.BatchCount);
        Assert.Equal(5, batches.GetBatch(0, out _, out _));
    }
}
