using NetGen.Kernels;
using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Kernels;

public class BatchNormTests
{
    private const float Epsilon = 1e-5f, Momentum = 0.1f;

    // Inputs with a mean far from 0 (3) and a spread of 2, so centering errors would show.
    private static float[] Input(int size, ulong seed) => Random(size, seed, 1f, 5f);

    /// <summary>Training-mode y in double, written from PyTorch's definition (independent of the kernels' references).</summary>
    private static double[] TrainingForward(double[] x, double[] gamma, double[] beta, int batch, int channels, int spatial)
    {
        var y = new double[x.Length];
        int n = batch * spatial;
        for (int c = 0; c < channels; c++)
        {
            double mean = 0, variance = 0;
            for (int b = 0; b < batch; b++) for (int s = 0; s < spatial; s++) mean += x[(b * channels + c) * spatial + s];
            mean /= n;
            for (int b = 0; b < batch; b++) for (int s = 0; s < spatial; s++) variance += Math.Pow(x[(b * channels + c) * spatial + s] - mean, 2);
            variance /= n;
            for (int b = 0; b < batch; b++)
                for (int s = 0; s < spatial; s++)
                {
                    int i = (b * channels + c) * spatial + s;
                    y[i] = (x[i] - mean) / Math.Sqrt(variance + Epsilon) * gamma[c] + beta[c];
                }
        }
        return y;
    }

    public static TheoryData<int, int, int> Shapes => new()
    {
        { 2, 1, 1 }, { 3, 7, 1 }, { 5, 17, 1 }, { 4, 16, 1 }, // dense: tail only, tail only, 2 blocks + tail, 2 blocks
        { 2, 3, 5 }, { 3, 2, 9 }, { 1, 3, 7 }, { 2, 2, 16 },  // convolution layouts, batch 1 included
    };

    // Fast kernel accumulates in float, the reference in double; inputs are O(5) with <= 32 values per channel, so
    // sums carry ~1e-6 relative error, and normalized outputs O(2) get ~1e-5 absolute.
    [Theory, MemberData(nameof(Shapes))]
    public void ForwardTraining_MatchesReference_IncludingRunningStatistics(int batch, int channels, int spatial)
    {
        int size = batch * channels * spatial;
        float[] x = Input(size, 51), gamma = Random(channels, 52, 0.5f, 1.5f), beta = Random(channels, 53);
        float[] y = new float[size], mean = new float[channels], invStd = new float[channels];
        float[] runningMean = Random(channels, 54), runningVar = Random(channels, 55, 0.5f, 2f);
        float[] yRef = new float[size], meanRef = new float[channels], invStdRef = new float[channels];
        float[] runningMeanRef = (float[])runningMean.Clone(), runningVarRef = (float[])runningVar.Clone();

        BatchNorm.ForwardTraining(x, gamma, beta, y, mean, invStd, runningMean, runningVar, Momentum, Epsilon, batch, channels, spatial);
        BatchNorm.ForwardTrainingReference(x, gamma, beta, yRef, meanRef, invStdRef, runningMeanRef, runningVarRef, Momentum, Epsilon, batch, channels, spatial);

        AssertClose(yRef, y, 1e-5, 1e-5, "y");
        AssertClose(meanRef, mean, 1e-6, 1e-6, "mean");
        AssertClose(invStdRef, invStd, 1e-6, 2e-5, "invStd");
        AssertClose(runningMeanRef, runningMean, 1e-6, 1e-6, "runningMean");
        AssertClose(runningVarRef, runningVar, 1e-6, 2e-5, "runningVar");
    }

    [Fact]
    public void ForwardTraining_UpdatesRunningStatistics_WithUnbiasedVariance_AsPyTorch()
    {
        // One channel, values 1, 2, 3, 6: mean 3, biased variance 3.5, unbiased 14/3.
        float[] x = [1, 2, 3, 6], y = new float[4], mean = new float[1], invStd = new float[1];
        float[] runningMean = [0f], runningVar = [1f];
        BatchNorm.ForwardTraining(x, [1f], [0f], y, mean, invStd, runningMean, runningVar, 0.1f, 0f, 4, 1, 1);
        Assert.Equal(3f, mean[0], 1e-6f);
        Assert.Equal(1 / Math.Sqrt(3.5), invStd[0], 1e-6);
        Assert.Equal(0.3f, runningMean[0], 1e-6f);
        Assert.Equal(0.9 + 0.1 * 14.0 / 3, runningVar[0], 1e-6);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Backward_MatchesReference_OverwritesDx_AccumulatesDgammaDbeta(int batch, int channels, int spatial)
    {
        int size = batch * channels * spatial;
        float[] x = Input(size, 56), gamma = Random(channels, 57, 0.5f, 1.5f), beta = Random(channels, 58), dy = Random(size, 59);
        float[] y = new float[size], mean = new float[channels], invStd = new float[channels];
        BatchNorm.ForwardTraining(x, gamma, beta, y, mean, invStd, [], [], Momentum, Epsilon, batch, channels, spatial);

        float[] dx = Random(size, 60, 50, 60), dxRef = (float[])dx.Clone();
        float[] dgamma = Random(channels, 61), dgammaRef = (float[])dgamma.Clone();
        float[] dbeta = Random(channels, 62), dbetaRef = (float[])dbeta.Clone();
        BatchNorm.Backward(dy, x, gamma, mean, invStd, dx, dgamma, dbeta, batch, channels, spatial);
        BatchNorm.BackwardReference(dy, x, gamma, mean, invStd, dxRef, dgammaRef, dbetaRef, batch, channels, spatial);

        // dx subtracts per-channel means from dy: float cancellation leaves ~1e-6 on values O(1).
        AssertClose(dxRef, dx, 1e-5, 1e-5, "dx");
        AssertClose(dgammaRef, dgamma, 1e-5, 1e-5, "dgamma");
        AssertClose(dbetaRef, dbeta, 1e-5, 1e-5, "dbeta");
    }

    [Theory]
    [InlineData(5, 9, 1)]  // dense: one vector block and a tail channel
    [InlineData(7, 3, 1)]
    [InlineData(3, 2, 5)]  // convolution
    [InlineData(2, 3, 4)]
    public void Backward_MatchesFiniteDifferences_ForXGammaAndBeta(int batch, int channels, int spatial)
    {
        int size = batch * channels * spatial;
        float[] x = Input(size, 63), gamma = Random(channels, 64, 0.5f, 1.5f), beta = Random(channels, 65), r = Random(size, 66);
        float[] y = new float[size], mean = new float[channels], invStd = new float[channels];
        BatchNorm.ForwardTraining(x, gamma, beta, y, mean, invStd, [], [], Momentum, Epsilon, batch, channels, spatial);
        float[] dx = new float[size], dgamma = new float[channels], dbeta = new float[channels];
        BatchNorm.Backward(r, x, gamma, mean, invStd, dx, dgamma, dbeta, batch, channels, spatial);

        double Loss(double[] xs, double[] g, double[] b)
        {
            double[] out_ = TrainingForward(xs, g, b, batch, channels, spatial);
            double loss = 0;
            for (int i = 0; i < out_.Length; i++) loss += out_[i] * r[i];
            return loss;
        }
        double[] xd = ToDouble(x), gd = ToDouble(gamma), bd = ToDouble(beta);
        // Analytic side in float with invStd ~ 0.9 and O(1) sums: 2e-5 absolute; numeric side ~1e-9.
        AssertClose(CentralDifferences(xd, p => Loss(p, gd, bd)), dx, 2e-5, 1e-4, "dx");
        AssertClose(CentralDifferences(gd, p => Loss(xd, p, bd)), dgamma, 2e-5, 1e-4, "dgamma");
        AssertClose(CentralDifferences(bd, p => Loss(xd, gd, p)), dbeta, 2e-5, 1e-4, "dbeta");
    }

    [Theory]
    [InlineData(3, 17, 1)]
    [InlineData(2, 3, 5)]
    public void ForwardInference_UsesRunningStatistics(int batch, int channels, int spatial)
    {
        int size = batch * channels * spatial;
        float[] x = Input(size, 67), gamma = Random(channels, 68), beta = Random(channels, 69);
        float[] runningMean = Random(channels, 70, 2, 4), runningVar = Random(channels, 71, 0.5f, 2f), y = new float[size];
        BatchNorm.ForwardInference(x, gamma, beta, runningMean, runningVar, Epsilon, y, batch, channels, spatial);
        var expected = new double[size];
        for (int i = 0; i < size; i++)
        {
            int c = i / spatial % channels;
            expected[i] = (x[i] - (double)runningMean[c]) / Math.Sqrt(runningVar[c] + (double)Epsilon) * gamma[c] + beta[c];
        }
        AssertClose(expected, y, 1e-5, 1e-5, "y");
    }

    [Fact]
    public void ForwardTraining_OneValuePerChannel_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            BatchNorm.ForwardTraining(new float[3], new float[3], new float[3], new float[3], new float[3], new float[3], [], [], 0.1f, 1e-5f, 1, 3, 1));
        Assert.Contains("more than one value per channel", error.Message);
    }
}

public class LayerNormTests
{
    private const float Epsilon = 1e-5f;

    private static double[] Forward(double[] x, double[] gamma, double[] beta, int rows, int features)
    {
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0, variance = 0;
            for (int f = 0; f < features; f++) mean += x[r * features + f];
            mean /= features;
            for (int f = 0; f < features; f++) variance += Math.Pow(x[r * features + f] - mean, 2);
            variance /= features;
            for (int f = 0; f < features; f++)
                y[r * features + f] = (x[r * features + f] - mean) / Math.Sqrt(variance + Epsilon) * gamma[f] + beta[f];
        }
        return y;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(2, 17)]
    [InlineData(4, 32)]
    public void Forward_MatchesDoubleReference_AndBackwardMatchesFiniteDifferences(int rows, int features)
    {
        int size = rows * features;
        float[] x = Random(size, 81, 1f, 5f), gamma = Random(features, 82, 0.5f, 1.5f), beta = Random(features, 83), r = Random(size, 84);
        float[] y = new float[size], mean = new float[rows], invStd = new float[rows];
        LayerNorm.Forward(x, gamma, beta, y, mean, invStd, rows, features, Epsilon);
        double[] xd = ToDouble(x), gd = ToDouble(gamma), bd = ToDouble(beta);
        AssertClose(Forward(xd, gd, bd, rows, features), y, 1e-5, 1e-5, "y");

        // dgamma/dbeta start non-zero to check accumulation: compare the increments.
        float[] dx = Random(size, 85, 50, 60), dgamma = Random(features, 86), dbeta = Random(features, 87);
        float[] dgamma0 = (float[])dgamma.Clone(), dbeta0 = (float[])dbeta.Clone();
        LayerNorm.Backward(r, x, gamma, mean, invStd, dx, dgamma, dbeta, rows, features);
        for (int f = 0; f < features; f++)
        {
            dgamma[f] -= dgamma0[f];
            dbeta[f] -= dbeta0[f];
        }

        double Loss(double[] xs, double[] g, double[] b)
        {
            double[] out_ = Forward(xs, g, b, rows, features);
            double loss = 0;
            for (int i = 0; i < out_.Length; i++) loss += out_[i] * r[i];
            return loss;
        }
        // Float analytic gradients of O(1) with cancellation in the row means: 2e-5 absolute (the accumulated
        // dgamma/dbeta are differenced against O(1) starting values, adding ~1e-7).
        AssertClose(CentralDifferences(xd, p => Loss(p, gd, bd)), dx, 2e-5, 1e-4, "dx");
        AssertClose(CentralDifferences(gd, p => Loss(xd, p, bd)), dgamma, 2e-5, 1e-4, "dgamma");
        AssertClose(CentralDifferences(bd, p => Loss(xd, gd, p)), dbeta, 2e-5, 1e-4, "dbeta");
    }

    [Fact]
    public void Forward_ShortGamma_ThrowsNamingGamma()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            LayerNorm.Forward(new float[6], new float[2], new float[3], new float[6], new float[2], new float[2], 2, 3, Epsilon));
        Assert.Equal("gamma", error.ParamName);
    }
}
