using NetGen.Kernels;
using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Kernels;

public class ActivationTests
{
    private delegate void ForwardKernel(ReadOnlySpan<float> x, Span<float> y);
    private delegate void BackwardKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx);

    private const float Alpha = 0.3f;

    /// <summary>One activation: the fast kernels, a double-precision f(x), whether f has a kink at 0, and which of x / y its backward reads.</summary>
    private sealed record Case(ForwardKernel Forward, BackwardKernel Backward, Func<double, double> Reference, bool KinkAtZero, bool ReadsX, bool ReadsY);

    private static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["relu"] = new(Activations.ReluForward, Activations.ReluBackward, x => Math.Max(0, x), true, false, true),
        ["leaky_relu"] = new((x, y) => Activations.LeakyReluForward(x, y, Alpha), (x, y, dy, dx) => Activations.LeakyReluBackward(x, y, dy, dx, Alpha),
            x => x > 0 ? x : Alpha * x, true, true, false),
        ["elu"] = new((x, y) => Activations.EluForward(x, y, Alpha), (x, y, dy, dx) => Activations.EluBackward(x, y, dy, dx, Alpha),
            x => x > 0 ? x : Alpha * Expm1(x), true, true, true),
        ["sigmoid"] = new(Activations.SigmoidForward, Activations.SigmoidBackward, Sigmoid, false, false, true),
        ["tanh"] = new(Activations.TanhForward, Activations.TanhBackward, Math.Tanh, false, false, true),
        ["gelu"] = new(Activations.GeluForward, Activations.GeluBackward, x => 0.5 * x * Erfc(-x / Math.Sqrt(2)), false, true, false),
        ["gelu_tanh"] = new(Activations.GeluTanhForward, Activations.GeluTanhBackward,
            x => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))), false, true, false),
        ["silu"] = new(Activations.SiluForward, Activations.SiluBackward, x => x * Sigmoid(x), false, true, false),
        ["softplus"] = new(Activations.SoftplusForward, Activations.SoftplusBackward,
            x => x > 20 ? x : Math.Max(x, 0) + Log1p(Math.Exp(-Math.Abs(x))), false, true, false),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    // 67 values (8 full vectors and a tail of 3): a sweep of [-8, 8], the far tails, and points around 0.
    private static float[] Inputs(bool kinkAtZero)
    {
        var values = new List<float>();
        for (int i = 0; i < 49; i++) values.Add(-8f + i / 3f);
        values.AddRange([-100f, -30f, -12f, -5e-3f, 2e-3f, 12f, 19.5f, 25f, 30f, 100f]);
        values.AddRange(Random(8, 21, -3, 3));
        if (kinkAtZero) values.RemoveAll(v => Math.Abs(v) < 1e-3f); // central differences straddling the kink are meaningless
        else values.AddRange([0f, 1e-4f, -1e-4f]);
        while (values.Count % 8 != 3) values.Add(0.77f);
        return values.ToArray();
    }

    // Forward: a few float roundings plus the vector exp/log (a few ulp) and, for GELU, the erfc fit's 1.2e-7 relative
    // error: 4e-6 relative is comfortable; 1e-6 absolute covers results that underflow to (near-)zero in float.
    [Theory, MemberData(nameof(Names))]
    public void Forward_MatchesDoubleReference(string name)
    {
        Case c = Cases[name];
        float[] x = Inputs(c.KinkAtZero);
        var y = new float[x.Length];
        c.Forward(x, y);
        AssertClose(Array.ConvertAll(x, v => c.Reference(v)), y, 1e-6, 4e-6, $"{name} y");
    }

    // Backward against central differences of the double reference f (error ~1e-10, see CentralDifferences), times a
    // random dy; same tolerances as the forward for the same reasons. The input the kernel does not read is passed empty.
    [Theory, MemberData(nameof(Names))]
    public void Backward_MatchesFiniteDifferencesOfReference(string name)
    {
        Case c = Cases[name];
        float[] x = Inputs(c.KinkAtZero);
        float[] dy = Random(x.Length, 22);
        var y = new float[x.Length];
        c.Forward(x, y);
        var dx = new float[x.Length];
        c.Backward(c.ReadsX ? x : [], c.ReadsY ? y : [], dy, dx);

        var expected = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double point = x[i], h = 1e-6;
            expected[i] = dy[i] * (c.Reference(point + h) - c.Reference(point - h)) / (2 * h);
        }
        AssertClose(expected, dx, 1e-6, 4e-6, $"{name} dx");
    }

    [Theory, MemberData(nameof(Names))]
    public void InPlace_GivesTheSameResultAsSeparateBuffers(string name)
    {
        Case c = Cases[name];
        float[] x = Inputs(c.KinkAtZero), dy = Random(x.Length, 23);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        c.Forward(x, y);
        c.Backward(x, y, dy, dx);

        float[] inPlace = (float[])x.Clone();
        c.Forward(inPlace, inPlace);
        Assert.Equal(y, inPlace);
        float[] gradientInPlace = (float[])dy.Clone();
        c.Backward(x, y, gradientInPlace, gradientInPlace);
        Assert.Equal(dx, gradientInPlace);
    }

    [Fact]
    public void EnumDispatch_MatchesNamedKernels_AndIdentityCopies()
    {
        float[] x = Random(19, 24, -3, 3), dy = Random(19, 25);
        var viaEnum = new float[19];
        var direct = new float[19];
        Activations.Forward(Activation.Tanh, x, viaEnum);
        Activations.TanhForward(x, direct);
        Assert.Equal(direct, viaEnum);
        Activations.Forward(Activation.Identity, x, viaEnum);
        Assert.Equal(x, viaEnum);
        Activations.Backward(Activation.Identity, x, x, dy, viaEnum);
        Assert.Equal(dy, viaEnum);
    }

    [Fact]
    public void Forward_LengthMismatch_ThrowsNamingY()
    {
        var error = Assert.Throws<ArgumentException>(() => Activations.ReluForward(new float[5], new float[4]));
        Assert.Equal("y", error.ParamName);
    }

    private static double[] SoftmaxReference(double[] x, int rows, int cols)
    {
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int c = 0; c < cols; c++) max = Math.Max(max, x[r * cols + c]);
            for (int c = 0; c < cols; c++) sum += Math.Exp(x[r * cols + c] - max);
            for (int c = 0; c < cols; c++) y[r * cols + c] = Math.Exp(x[r * cols + c] - max) / sum;
        }
        return y;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(5, 17)]
    public void SoftmaxForward_MatchesReference_AndBackwardMatchesFiniteDifferences(int rows, int cols)
    {
        float[] x = Random(rows * cols, 26, -4, 4), r = Random(rows * cols, 27);
        var y = new float[x.Length];
        Activations.SoftmaxForward(x, y, rows, cols);
        AssertClose(SoftmaxReference(ToDouble(x), rows, cols), y, 1e-7, 1e-5, "softmax y");

        var dx = new float[x.Length];
        Activations.SoftmaxBackward(y, r, dx, rows, cols);
        // L = Σ softmax(x)·R in double; float softmax and dot products: 1e-6 absolute on gradients of size ~0.5.
        double[] expected = CentralDifferences(ToDouble(x), p =>
        {
            double[] s = SoftmaxReference(p, rows, cols);
            double loss = 0;
            for (int i = 0; i < s.Length; i++) loss += s[i] * r[i];
            return loss;
        });
        AssertClose(expected, dx, 1e-6, 1e-5, "softmax dx");
    }

    [Fact]
    public void SoftmaxForward_HugeLogits_DoNotOverflow_InPlace()
    {
        float[] x = [1000f, 999f, -1000f, 88.8f, 1000f, 3f, 5f];
        float[] expected = Array.ConvertAll(SoftmaxReference(ToDouble(x), 1, 7), v => (float)v);
        Activations.SoftmaxForward(x, x, 1, 7);
        AssertClose(expected, x, 1e-7, 1e-5, "softmax of huge logits");
    }
}
