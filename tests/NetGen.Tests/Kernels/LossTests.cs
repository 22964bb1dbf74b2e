using NetGen.Kernels;
using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Kernels;

public class LossTests
{
    private static double CrossEntropyReference(double[] logits, int[] labels, int batch, int classes)
    {
        double total = 0;
        for (int b = 0; b < batch; b++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int c = 0; c < classes; c++) max = Math.Max(max, logits[b * classes + c]);
            for (int c = 0; c < classes; c++) sum += Math.Exp(logits[b * classes + c] - max);
            total += Math.Log(sum) + max - logits[b * classes + labels[b]];
        }
        return total / batch;
    }

    private static int[] Labels(int batch, int classes, ulong seed)
    {
        var rng = new Rng(seed);
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.NextInt(classes);
        return labels;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 10)]
    [InlineData(7, 3)]
    [InlineData(17, 13)]
    [InlineData(64, 16)]
    [InlineData(5, 17)]
    public void SoftmaxCrossEntropy_MatchesReference_AndGradientMatchesFiniteDifferences(int batch, int classes)
    {
        float[] logits = Random(batch * classes, 31, -5, 5);
        int[] labels = Labels(batch, classes, 32);
        float[] dlogits = Random(batch * classes, 33, 50, 60); // garbage: must be overwritten

        float loss = Losses.SoftmaxCrossEntropy(logits, labels, dlogits, batch, classes);

        // Loss: float exp/sum per row with double accumulation across rows: 1e-6 relative.
        double expected = CrossEntropyReference(ToDouble(logits), labels, batch, classes);
        Assert.True(Math.Abs(loss - expected) <= 1e-6 + 1e-6 * Math.Abs(expected), $"loss {loss} vs {expected}");
        // Gradient entries are (softmax - onehot)/B, at most 1 in size; float softmax rounding: 1e-6 absolute.
        double[] numeric = CentralDifferences(ToDouble(logits), p => CrossEntropyReference(p, labels, batch, classes));
        AssertClose(numeric, dlogits, 1e-6, 1e-5, "dlogits");
    }

    [Theory]
    [InlineData(64, 10)]
    [InlineData(3, 1)]
    [InlineData(9, 16)]
    [InlineData(70, 65)]   // the character LSTM's classes: four whole vectors and a masked one
    [InlineData(5, 17)]
    [InlineData(3, 32)]    // whole vectors only
    [InlineData(2, 1000)]
    public void SoftmaxCrossEntropy_FusedRows_MatchTheGeneralPath_AndWriteOnlyTheirRows(int batch, int classes)
    {
        // Rows run in masked Vector512 chunks (one per row up to 16 classes); Vector256 forced takes the general per-row path.
        float[] logits = Random(batch * classes, 34, -8, 8);
        int[] labels = Labels(batch, classes, 35);
        float[] fused = Random(batch * classes + 1, 36, 50, 60), general = new float[batch * classes];
        float sentinel = fused[^1];
        float fusedLoss = Losses.SoftmaxCrossEntropy(logits, labels, fused, batch, classes);
        bool saved = Gemm.ForceVector256;
        Gemm.ForceVector256 = true;
        float generalLoss;
        try
        {
            generalLoss = Losses.SoftmaxCrossEntropy(logits, labels, general, batch, classes);
        }
        finally
        {
            Gemm.ForceVector256 = saved;
        }
        Assert.True(Math.Abs(fusedLoss - generalLoss) <= 1e-6 * (1 + Math.Abs(generalLoss)), $"loss {fusedLoss} vs {generalLoss}");
        AssertClose(general, fused, 1e-7, 1e-5, "dlogits");
        Assert.Equal(sentinel, fused[^1]);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(17)]
    [InlineData(65)]
    public void SoftmaxCrossEntropy_NaNLogit_GivesNaNLoss(int classes)
    {
        float[] logits = Random(2 * classes, 37, -3, 3);
        logits[classes + 4] = float.NaN;
        Assert.True(float.IsNaN(Losses.SoftmaxCrossEntropy(logits, [1, 2], new float[2 * classes], 2, classes)));
    }

    [Fact]
    public void SoftmaxCrossEntropy_EmptyGradient_GivesTheSameLoss()
    {
        float[] logits = Random(5 * 11, 34, -3, 3);
        int[] labels = Labels(5, 11, 35);
        float withGradient = Losses.SoftmaxCrossEntropy(logits, labels, new float[55], 5, 11);
        float lossOnly = Losses.SoftmaxCrossEntropy(logits, labels, Span<float>.Empty, 5, 11);
        Assert.Equal(withGradient, lossOnly, 1e-6f);
    }

    [Fact]
    public void SoftmaxCrossEntropy_HugeLogits_StayFinite()
    {
        // Without max subtraction e^1000 overflows to infinity and the loss becomes NaN.
        float[] logits = [1000f, -1000f, 999f, 5000f, 0f, 5000f];
        int[] labels = [2, 0];
        var dlogits = new float[6];
        float loss = Losses.SoftmaxCrossEntropy(logits, labels, dlogits, 2, 3);
        double expected = CrossEntropyReference(ToDouble(logits), labels, 2, 3);
        Assert.Equal(expected, loss, 1e-4);
        Assert.All(dlogits, d => Assert.True(float.IsFinite(d)));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    public void SoftmaxCrossEntropy_LabelOutOfRange_ThrowsNamingRowAndLabel(int badLabel)
    {
        float[] dlogits = Random(9, 36);
        float[] before = (float[])dlogits.Clone();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Losses.SoftmaxCrossEntropy(new float[9], [0, 2, badLabel], dlogits, 3, 3));
        Assert.Equal("labels", error.ParamName);
        Assert.Contains($"labels[2] = {badLabel}", error.Message);
        Assert.Contains("[0, 3)", error.Message);
        Assert.Equal(before, dlogits); // checked before anything is written
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(9, 5)]
    public void MeanSquaredError_MatchesReference_AndGradientMatchesFiniteDifferences(int batch, int outputs)
    {
        float[] output = Random(batch * outputs, 37, -2, 2), targets = Random(batch * outputs, 38, -2, 2);
        float[] doutput = Random(batch * outputs, 39, 50, 60);
        float loss = Losses.MeanSquaredError(output, targets, doutput, batch, outputs);

        double Reference(double[] o)
        {
            double sum = 0;
            for (int i = 0; i < o.Length; i++) sum += (o[i] - targets[i]) * (o[i] - targets[i]);
            return sum / o.Length;
        }
        double expected = Reference(ToDouble(output));
        Assert.True(Math.Abs(loss - expected) <= 1e-6 * Math.Max(1, expected), $"loss {loss} vs {expected}");
        AssertClose(CentralDifferences(ToDouble(output), Reference), doutput, 1e-6, 1e-5, "doutput");
        Assert.Equal(loss, Losses.MeanSquaredError(output, targets, Span<float>.Empty, batch, outputs));
    }

    [Fact]
    public void CountCorrect_CountsRowsWhoseArgMaxIsTheLabel_FirstMaxWinsTies()
    {
        float[] scores = [0.1f, 0.9f, 0.0f, /**/ 2f, 1f, 0f, /**/ 5f, 5f, 1f, /**/ 0f, 0f, 3f];
        Assert.Equal(3, Losses.CountCorrect(scores, [1, 0, 0, 1], 4, 3));
        Assert.Equal(2, Losses.CountCorrect(scores, [1, 0, 1], 3, 3)); // row 2 ties at 5: index 0 wins, label 1 misses
    }
}
