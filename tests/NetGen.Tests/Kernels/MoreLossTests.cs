using NetGen.Kernels;
using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Kernels;

/// <summary>
/// BinaryLosses, RegressionLosses and ClassificationLosses: each loss against PyTorch's value on fixed inputs (the
/// constants below, from make_loss_reference.py, which builds the same inputs), its gradient against central
/// differences of a plain double reference on awkward shapes (a Vector256 and a scalar tail), and its argument checks.
/// </summary>
public class MoreLossTests
{
    // PyTorch 1.13.0a0, float64, from make_loss_reference.py
    private const double TorchBinaryCrossEntropy = 0.9340271746215457;
    private const double TorchBinaryCrossEntropyWithLogits = 1.0551417072996323;
    private const double TorchBinaryCrossEntropyWithLogitsPosWeight = 1.5291351999318887;
    private const double TorchMeanAbsoluteError = 1.3333333333333333;
    private const double TorchHuber1 = 0.9229166666666667;
    private const double TorchHuber05 = 0.5541666666666667;
    private const double TorchSmoothL1_1 = 0.9229166666666667;
    private const double TorchSmoothL1_05 = 1.1083333333333334;
    private const double TorchSmoothL1_0 = 1.3333333333333333;
    private const double TorchNllIgnore = 3.6361124693165072;
    private const double TorchNllWeighted = 3.964557867881231;
    private const double TorchCrossEntropyIgnore = 3.6361124693165072;
    private const double TorchCrossEntropyWeighted = 3.964557867881231;
    private const double TorchCrossEntropySmoothed = 3.532112469316507;
    private const double TorchCrossEntropyWeightedSmoothed = 3.7007735500730483;

    private const int B = 3, N = 5, Rows = 6, Classes = 5;

    // The inputs of make_loss_reference.py.
    private static float[] Make(int count, Func<int, double> f)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)f(i);
        return values;
    }

    private static readonly float[] Logits = Make(B * N, i => (i * 7 % 13 - 6) / 2.0);
    private static readonly float[] Probabilities = Make(B * N, i => (i * 5 % 9 + 0.5) / 10);
    private static readonly float[] BinaryTargets = Make(B * N, i => i * 3 % 5 / 4.0);
    private static readonly float[] PositiveWeights = Make(N, c => (1 + c) / 2.0);
    private static readonly float[] Output = Make(B * N, i => (i * 7 % 13 - 6) / 4.0);
    private static readonly float[] RegressionTargets = Make(B * N, i => (i * 5 % 11 - 5) / 4.0);
    private static readonly float[] ClassLogits = Make(Rows * Classes, i => (i * 7 % 13 - 6) / 2.0);
    private static readonly int[] Labels = [2, 0, -100, 4, 1, 3];
    private static readonly float[] ClassWeights = [0.5f, 1f, 2f, 1.5f, 0.25f];

    // ---- plain double references (PyTorch's definitions) ----

    private static double BceReference(double[] x, float[] y)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum -= y[i] * Math.Max(Math.Log(x[i]), -100) + (1 - y[i]) * Math.Max(Math.Log(1 - x[i]), -100);
        return sum / x.Length;
    }

    private static double BceLogitsReference(double[] z, float[] y, float[]? pw, int outputs)
    {
        double sum = 0;
        for (int i = 0; i < z.Length; i++)
        {
            double p = pw is null ? 1 : pw[i % outputs];
            // -[p·y·log σ(z) + (1-y)·log(1-σ(z))] with log σ(z) = -softplus(-z), log(1-σ(z)) = -softplus(z)
            sum += p * y[i] * Softplus(-z[i]) + (1 - y[i]) * Softplus(z[i]);
        }
        return sum / z.Length;

        static double Softplus(double v) => Math.Max(v, 0) + Log1p(Math.Exp(-Math.Abs(v)));
    }

    private static double RegressionReference(double[] o, float[] t, string kind, double parameter)
    {
        double sum = 0;
        for (int i = 0; i < o.Length; i++)
        {
            double z = Math.Abs(o[i] - t[i]);
            sum += kind switch
            {
                "L1" => z,
                "Huber" => z < parameter ? 0.5 * z * z : parameter * (z - 0.5 * parameter),
                _ => parameter == 0 ? z : z < parameter ? 0.5 * z * z / parameter : z - 0.5 * parameter,
            };
        }
        return sum / o.Length;
    }

    // PyTorch's CrossEntropyLoss (mean): (1-ε)·Σ w[y](-log s_y)/W + ε/C·Σ_b Σ_c w[c](-log s_c)/W; NLL when logSoftmaxGiven.
    private static double CrossEntropyReference(double[] x, int[] labels, int rows, int classes, float[]? w, int ignore, double smoothing, bool logProbabilitiesGiven = false)
    {
        double nll = 0, smooth = 0, weightSum = 0;
        for (int b = 0; b < rows; b++)
        {
            if (labels[b] == ignore) continue;
            var logp = new double[classes];
            double max = double.NegativeInfinity, sum = 0;
            for (int c = 0; c < classes; c++) max = Math.Max(max, x[b * classes + c]);
            for (int c = 0; c < classes; c++) sum += Math.Exp(x[b * classes + c] - max);
            for (int c = 0; c < classes; c++) logp[c] = logProbabilitiesGiven ? x[b * classes + c] : x[b * classes + c] - max - Math.Log(sum);
            double wy = w is null ? 1 : w[labels[b]];
            weightSum += wy;
            nll -= wy * logp[labels[b]];
            for (int c = 0; c < classes; c++) smooth -= (w is null ? 1 : w[c]) * logp[c];
        }
        return (1 - smoothing) * nll / weightSum + smoothing / classes * smooth / weightSum;
    }

    private static void AssertLoss(double expected, float actual, string what, double relative = 1e-6) =>
        Assert.True(Math.Abs(actual - expected) <= relative * Math.Max(1, Math.Abs(expected)), $"{what}: loss {actual:R}, expected {expected:R}");

    // ---- against PyTorch ----

    [Fact]
    public void BinaryLosses_MatchPyTorch()
    {
        AssertLoss(TorchBinaryCrossEntropy, BinaryLosses.BinaryCrossEntropy(Probabilities, BinaryTargets, [], B, N), "BCELoss");
        AssertLoss(TorchBinaryCrossEntropyWithLogits, BinaryLosses.BinaryCrossEntropyWithLogits(Logits, BinaryTargets, [], B, N), "BCEWithLogitsLoss");
        AssertLoss(TorchBinaryCrossEntropyWithLogitsPosWeight,
            BinaryLosses.BinaryCrossEntropyWithLogits(Logits, BinaryTargets, [], B, N, PositiveWeights), "BCEWithLogitsLoss(pos_weight)");
        // The double references are PyTorch's definitions: they agree to rounding.
        Assert.Equal(TorchBinaryCrossEntropy, BceReference(ToDouble(Probabilities), BinaryTargets), 1e-13);
        Assert.Equal(TorchBinaryCrossEntropyWithLogitsPosWeight, BceLogitsReference(ToDouble(Logits), BinaryTargets, PositiveWeights, N), 1e-13);
    }

    [Fact]
    public void RegressionLosses_MatchPyTorch()
    {
        AssertLoss(TorchMeanAbsoluteError, RegressionLosses.MeanAbsoluteError(Output, RegressionTargets, [], B, N), "L1Loss");
        AssertLoss(TorchHuber1, RegressionLosses.Huber(Output, RegressionTargets, [], B, N), "HuberLoss(delta=1)");
        AssertLoss(TorchHuber05, RegressionLosses.Huber(Output, RegressionTargets, [], B, N, 0.5f), "HuberLoss(delta=0.5)");
        AssertLoss(TorchSmoothL1_1, RegressionLosses.SmoothL1(Output, RegressionTargets, [], B, N), "SmoothL1Loss(beta=1)");
        AssertLoss(TorchSmoothL1_05, RegressionLosses.SmoothL1(Output, RegressionTargets, [], B, N, 0.5f), "SmoothL1Loss(beta=0.5)");
        AssertLoss(TorchSmoothL1_0, RegressionLosses.SmoothL1(Output, RegressionTargets, [], B, N, 0f), "SmoothL1Loss(beta=0)");
        Assert.Equal(TorchHuber05, RegressionReference(ToDouble(Output), RegressionTargets, "Huber", 0.5), 1e-14);
        Assert.Equal(TorchSmoothL1_05, RegressionReference(ToDouble(Output), RegressionTargets, "SmoothL1", 0.5), 1e-14);
    }

    [Fact]
    public void ClassificationLosses_MatchPyTorch()
    {
        float[] logSoftmax = LogSoftmax(ClassLogits, Rows, Classes);
        AssertLoss(TorchNllIgnore, ClassificationLosses.NegativeLogLikelihood(logSoftmax, Labels, [], Rows, Classes), "NLLLoss(ignore_index)");
        AssertLoss(TorchNllWeighted, ClassificationLosses.NegativeLogLikelihood(logSoftmax, Labels, [], Rows, Classes, ClassWeights), "NLLLoss(weight)");
        AssertLoss(TorchCrossEntropyIgnore, ClassificationLosses.CrossEntropy(ClassLogits, Labels, [], Rows, Classes), "CrossEntropyLoss(ignore_index)");
        AssertLoss(TorchCrossEntropyWeighted, ClassificationLosses.CrossEntropy(ClassLogits, Labels, [], Rows, Classes, ClassWeights), "CrossEntropyLoss(weight)");
        AssertLoss(TorchCrossEntropySmoothed,
            ClassificationLosses.CrossEntropy(ClassLogits, Labels, [], Rows, Classes, labelSmoothing: 0.1f), "CrossEntropyLoss(label_smoothing=0.1)");
        AssertLoss(TorchCrossEntropyWeightedSmoothed,
            ClassificationLosses.CrossEntropy(ClassLogits, Labels, [], Rows, Classes, ClassWeights, labelSmoothing: 0.2f), "CrossEntropyLoss(weight, label_smoothing=0.2)");
        // The gradient pass computes the same loss.
        float[] d = new float[Rows * Classes];
        AssertLoss(TorchCrossEntropyWeightedSmoothed,
            ClassificationLosses.CrossEntropy(ClassLogits, Labels, d, Rows, Classes, ClassWeights, labelSmoothing: 0.2f), "with the gradient");
        Assert.Equal(TorchCrossEntropyWeightedSmoothed,
            CrossEntropyReference(ToDouble(ClassLogits), Labels, Rows, Classes, ClassWeights, -100, 0.2f), 1e-6);   // 0.2f is not 0.2
    }

    private static float[] LogSoftmax(float[] x, int rows, int classes)
    {
        var result = new float[x.Length];
        for (int b = 0; b < rows; b++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int c = 0; c < classes; c++) max = Math.Max(max, x[b * classes + c]);
            for (int c = 0; c < classes; c++) sum += Math.Exp(x[b * classes + c] - max);
            for (int c = 0; c < classes; c++) result[b * classes + c] = (float)(x[b * classes + c] - max - Math.Log(sum));
        }
        return result;
    }

    // ---- gradients against central differences ----

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 13)]     // 91: eleven Vector256s and a tail
    [InlineData(4, 784)]    // an autoencoder's image
    public void BinaryCrossEntropy_GradientMatchesFiniteDifferences(int batch, int outputs)
    {
        float[] x = Random(batch * outputs, 41, 0.05f, 0.95f), y = Random(batch * outputs, 42, 0f, 1f);
        y[0] = 1f;
        if (y.Length > 1) y[1] = 0f;
        float[] d = Random(batch * outputs, 43, 50, 60);   // garbage: must be overwritten
        float loss = BinaryLosses.BinaryCrossEntropy(x, y, d, batch, outputs);
        AssertLoss(BceReference(ToDouble(x), y), loss, "loss");
        double[] numeric = CentralDifferences(ToDouble(x), p => BceReference(p, y));
        AssertClose(numeric, d, 1e-7, 1e-5, "dprobabilities");
    }

    [Fact]
    public void BinaryCrossEntropy_ProbabilitiesOfZeroAndOne_GiveFiniteLossAndGradient_AsPyTorch()
    {
        // log is clamped at -100 and x(1-x) floored at 1e-12: a wrong certain answer costs 100, a right one 0.
        float[] x = [0f, 1f, 0f, 1f], y = [0f, 1f, 1f, 0f], d = new float[4];
        float loss = BinaryLosses.BinaryCrossEntropy(x, y, d, 1, 4);
        Assert.Equal(50f, loss);
        Assert.Equal([0f, 0f, -1e12f / 4, 1e12f / 4], d);
    }

    [Theory]
    [InlineData(1, 1, false)]
    [InlineData(7, 13, false)]
    [InlineData(7, 13, true)]
    [InlineData(3, 20, true)]   // rows of two Vector256s and a tail, weights by column
    public void BinaryCrossEntropyWithLogits_GradientMatchesFiniteDifferences(int batch, int outputs, bool weighted)
    {
        float[] z = Random(batch * outputs, 44, -6, 6), y = Random(batch * outputs, 45, 0f, 1f);
        float[]? pw = weighted ? Random(outputs, 46, 0.2f, 4f) : null;
        float[] d = Random(batch * outputs, 47, 50, 60);
        float loss = BinaryLosses.BinaryCrossEntropyWithLogits(z, y, d, batch, outputs, pw);
        AssertLoss(BceLogitsReference(ToDouble(z), y, pw, outputs), loss, "loss");
        double[] numeric = CentralDifferences(ToDouble(z), p => BceLogitsReference(p, y, pw, outputs));
        AssertClose(numeric, d, 1e-7, 1e-5, "dlogits");
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_HugeLogits_StayFinite()
    {
        // The stable form never takes e^(+|z|): logits of ±100 (σ saturated in float) give the exact loss.
        float[] z = [100f, -100f, 100f, -100f, 0f, 30f, -30f, 17f, 88f], y = [1f, 0f, 0f, 1f, 0.5f, 1f, 1f, 0.25f, 0f];
        float[] d = new float[z.Length];
        float loss = BinaryLosses.BinaryCrossEntropyWithLogits(z, y, d, 1, z.Length);
        AssertLoss(BceLogitsReference(ToDouble(z), y, null, z.Length), loss, "loss");
        for (int i = 0; i < z.Length; i++)
        {
            double sigmoid = 1 / (1 + Math.Exp(-(double)z[i]));
            Assert.True(Math.Abs(d[i] - (sigmoid - y[i]) / z.Length) <= 1e-7, $"dlogits[{i}] = {d[i]}");
        }
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_ConfidentRightAnswers_KeepTheirTinyLoss()
    {
        // Logits 12..20 on positive targets: each loss is log(1 + e^(-z)), 6e-6 down to 2e-9, where log(1 + e) in float
        // would round to 0 below e = 6e-8. Both the vector lanes and the tail keep 1e-6 relative precision.
        float[] z = Make(37, i => 12 + i * 8.0 / 36), y = Make(37, _ => 1.0), d = new float[37];
        float loss = BinaryLosses.BinaryCrossEntropyWithLogits(z, y, d, 1, 37);
        double expected = BceLogitsReference(ToDouble(z), y, null, 37);
        Assert.True(Math.Abs(loss - expected) <= 1e-6 * expected, $"loss {loss:R}, expected {expected:R}");
        for (int i = 0; i < z.Length; i++)
        {
            double sigmoidMinusOne = -1 / (1 + Math.Exp(z[i]));
            Assert.True(Math.Abs(d[i] - sigmoidMinusOne / 37) <= 1e-6 * Math.Abs(sigmoidMinusOne / 37), $"dlogits[{i}] = {d[i]:R}, expected {sigmoidMinusOne / 37:R}");
        }
    }

    [Theory]
    [InlineData("L1", 0.0)]
    [InlineData("Huber", 1.0)]
    [InlineData("Huber", 0.3)]
    [InlineData("SmoothL1", 1.0)]
    [InlineData("SmoothL1", 0.3)]
    [InlineData("SmoothL1", 0.0)]
    public void RegressionLosses_GradientMatchesFiniteDifferences(string kind, double parameter)
    {
        const int batch = 7, outputs = 13;
        float[] o = Random(batch * outputs, 48, -2, 2), t = Random(batch * outputs, 49, -2, 2);
        float[] d = Random(batch * outputs, 50, 50, 60);
        float loss = kind switch
        {
            "L1" => RegressionLosses.MeanAbsoluteError(o, t, d, batch, outputs),
            "Huber" => RegressionLosses.Huber(o, t, d, batch, outputs, (float)parameter),
            _ => RegressionLosses.SmoothL1(o, t, d, batch, outputs, (float)parameter),
        };
        // The thresholds are floats: the reference uses the same ones.
        double threshold = (float)parameter;
        AssertLoss(RegressionReference(ToDouble(o), t, kind, threshold), loss, "loss");
        double[] numeric = CentralDifferences(ToDouble(o), p => RegressionReference(p, t, kind, threshold));
        AssertClose(numeric, d, 1e-7, 1e-5, $"doutput ({kind} {parameter})");
    }

    [Fact]
    public void MeanAbsoluteError_ZeroDifference_HasZeroGradient_AsPyTorch()
    {
        float[] o = [1f, 2f, 3f], t = [1f, 0f, 5f], d = new float[3];
        Assert.Equal(4f / 3, RegressionLosses.MeanAbsoluteError(o, t, d, 1, 3));
        Assert.Equal([0f, 1f / 3, -1f / 3], d);
    }

    [Theory]
    [InlineData(false, 0f)]
    [InlineData(true, 0f)]
    [InlineData(false, 0.1f)]
    [InlineData(true, 0.25f)]
    [InlineData(true, 1f)]
    public void CrossEntropy_GradientMatchesFiniteDifferences(bool weighted, float smoothing)
    {
        const int rows = 9, classes = 11;
        float[] x = Random(rows * classes, 51, -6, 6);
        int[] labels = [3, 0, -100, 10, 7, 7, -100, 1, 5];
        float[]? w = weighted ? Random(classes, 52, 0.1f, 3f) : null;
        float[] d = Random(rows * classes, 53, 50, 60);
        float loss = ClassificationLosses.CrossEntropy(x, labels, d, rows, classes, w, labelSmoothing: smoothing);
        AssertLoss(CrossEntropyReference(ToDouble(x), labels, rows, classes, w, -100, smoothing), loss, "loss");
        double[] numeric = CentralDifferences(ToDouble(x), p => CrossEntropyReference(p, labels, rows, classes, w, -100, smoothing));
        AssertClose(numeric, d, 1e-7, 1e-5, "dlogits");
        for (int c = 0; c < classes; c++) Assert.Equal(0f, d[2 * classes + c]);   // ignored rows: exact zeros
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NegativeLogLikelihood_GradientMatchesFiniteDifferences(bool weighted)
    {
        const int rows = 9, classes = 11;
        float[] logp = LogSoftmax(Random(rows * classes, 54, -4, 4), rows, classes);
        int[] labels = [3, 0, 7, 10, -1, 7, 2, 1, 5];   // ignore index -1 here
        float[]? w = weighted ? Random(classes, 55, 0.1f, 3f) : null;
        float[] d = Random(rows * classes, 56, 50, 60);
        float loss = ClassificationLosses.NegativeLogLikelihood(logp, labels, d, rows, classes, w, ignoreIndex: -1);
        double Reference(double[] p) => CrossEntropyReference(p, labels, rows, classes, w, -1, 0, logProbabilitiesGiven: true);
        AssertLoss(Reference(ToDouble(logp)), loss, "loss");
        AssertClose(CentralDifferences(ToDouble(logp), Reference), d, 1e-7, 1e-5, "dlogProbabilities");
    }

    [Theory]
    [InlineData(5, 17)]
    [InlineData(64, 10)]
    public void CrossEntropy_PlainCase_MatchesSoftmaxCrossEntropy(int rows, int classes)
    {
        float[] x = Random(rows * classes, 57, -5, 5);
        int[] labels = new int[rows];
        for (int b = 0; b < rows; b++) labels[b] = b * 7 % classes;
        float[] expected = new float[rows * classes], actual = new float[rows * classes];
        float expectedLoss = Losses.SoftmaxCrossEntropy(x, labels, expected, rows, classes);
        float loss = ClassificationLosses.CrossEntropy(x, labels, actual, rows, classes);
        AssertLoss(expectedLoss, loss, "loss");
        AssertClose(expected, actual, 1e-7, 1e-5, "dlogits");
    }

    [Fact]
    public void EveryRowIgnored_GivesZeroLossAndZeroGradient()
    {
        float[] x = Random(12, 58), d = Random(12, 59, 50, 60);
        Assert.Equal(0f, ClassificationLosses.CrossEntropy(x, [-100, -100, -100], d, 3, 4, labelSmoothing: 0.1f));
        Assert.All(d, v => Assert.Equal(0f, v));
        d = Random(12, 60, 50, 60);
        Assert.Equal(0f, ClassificationLosses.NegativeLogLikelihood(x, [-100, -100, -100], d, 3, 4));
        Assert.All(d, v => Assert.Equal(0f, v));
    }

    // ---- argument checks ----

    [Fact]
    public void BadArguments_ThrowNamingThem_BeforeWritingAnything()
    {
        float[] d = [7f, 7f, 7f, 7f];
        var label = Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationLosses.CrossEntropy(new float[4], [1, 2], d, 2, 2));
        Assert.Equal("labels", label.ParamName);
        Assert.Contains("labels[1] = 2", label.Message);
        Assert.Equal("classWeights", Assert.Throws<ArgumentException>(() => ClassificationLosses.NegativeLogLikelihood(new float[4], [1, 0], d, 2, 2, [1f, 2f, 3f])).ParamName);
        Assert.Equal("labelSmoothing", Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationLosses.CrossEntropy(new float[4], [1, 0], d, 2, 2, labelSmoothing: 1.5f)).ParamName);
        var target = Assert.Throws<ArgumentOutOfRangeException>(() => BinaryLosses.BinaryCrossEntropyWithLogits(new float[4], [0f, 1f, 1.5f, 0f], d, 2, 2));
        Assert.Equal("targets", target.ParamName);
        Assert.Contains("targets[2] = 1.5", target.Message);
        Assert.Equal("probabilities", Assert.Throws<ArgumentOutOfRangeException>(() => BinaryLosses.BinaryCrossEntropy([0.5f, -0.1f, 0f, 1f], new float[4], d, 2, 2)).ParamName);
        Assert.Equal("positiveWeights", Assert.Throws<ArgumentException>(() => BinaryLosses.BinaryCrossEntropyWithLogits(new float[4], new float[4], d, 2, 2, [1f])).ParamName);
        Assert.Equal("delta", Assert.Throws<ArgumentOutOfRangeException>(() => RegressionLosses.Huber(new float[4], new float[4], d, 2, 2, 0f)).ParamName);
        Assert.Equal("beta", Assert.Throws<ArgumentOutOfRangeException>(() => RegressionLosses.SmoothL1(new float[4], new float[4], d, 2, 2, -1f)).ParamName);
        Assert.Equal("doutput", Assert.Throws<ArgumentException>(() => RegressionLosses.MeanAbsoluteError(new float[4], new float[4], new float[3], 2, 2)).ParamName);
        Assert.Equal([7f, 7f, 7f, 7f], d);
    }

    [Fact]
    public void HugeShapes_AreRejected_NotOverflowed()
    {
        // 100000 x 100000 overflows an int; the check multiplies in long and reports the true size.
        var error = Assert.Throws<ArgumentException>(() => BinaryLosses.BinaryCrossEntropyWithLogits(new float[16], new float[16], [], 100_000, 100_000));
        Assert.Contains("10000000000", error.Message);
        Assert.Throws<ArgumentException>(() => ClassificationLosses.CrossEntropy(new float[16], new int[65536], [], 65536, 65536));
        Assert.Throws<ArgumentException>(() => RegressionLosses.Huber(new float[16], new float[16], [], 46341, 46341));
    }
}
