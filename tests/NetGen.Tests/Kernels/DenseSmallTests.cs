using System.Reflection;
using NetGen.Kernels;
using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The shape-specialized small dense kernels (<see cref="DenseSmall"/>) against the double-accumulating reference
/// kernels and against central differences, on awkward shapes: units 1, 3, 7, 10, 16 (one full vector), 17, 24 and 32
/// (two blocks), inputs 1, 3, 7 (all in the masked tail), 84, 128 and 129, rows on both sides of the transposing threshold and of the row blocks.
/// </summary>
public class DenseSmallTests
{
    // Same bound as DenseTests, scaled to K <= 129 terms of |values| <= 1: ~129 · 6e-8 · Σ|terms| ~ 4e-5 at worst.
    private const double Absolute = 5e-5, Relative = 2e-5;

    private static readonly int[] Units = [1, 3, 7, 10, 16, 17, 24, 32];
    private static readonly int[] Inputs = [1, 3, 7, 84, 128, 129];
    private static readonly int[] Rows = [1, 5, 8, 13, 64];

    public static TheoryData<int, int> AwkwardShapes()
    {
        var data = new TheoryData<int, int>();
        foreach (int units in Units)
            foreach (int inputs in Inputs) data.Add(inputs, units);
        return data;
    }

    [Theory, MemberData(nameof(AwkwardShapes))]
    public void Forward_MatchesReference_ForEveryFusedActivationAndRowCount(int inputs, int units) =>
        Invoke(nameof(ForwardMatchesReference), inputs, units);

    [Theory, MemberData(nameof(AwkwardShapes))]
    public void Backward_MatchesReference_OverwritingOrAccumulating(int inputs, int units) =>
        Invoke(nameof(BackwardMatchesReference), inputs, units);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(129, 10)]
    [InlineData(84, 16)]
    [InlineData(7, 17)]
    [InlineData(128, 32)]
    public void Backward_MatchesFiniteDifferencesInDouble_ThroughTanh(int inputs, int units) =>
        Invoke(nameof(BackwardMatchesFiniteDifferences), inputs, units);

    [Theory]
    [InlineData(129, 10)]
    [InlineData(7, 3)]
    [InlineData(84, 24)]
    public void Vector256Fallback_MatchesReference(int inputs, int units)
    {
        bool saved = Gemm.ForceVector256;
        Gemm.ForceVector256 = true;
        try
        {
            Assert.False(DenseSmall.Vectorized);
            Invoke(nameof(ForwardMatchesReference), inputs, units);
            Invoke(nameof(BackwardMatchesReference), inputs, units);
        }
        finally
        {
            Gemm.ForceVector256 = saved;
        }
    }

    [Fact]
    public void Forward_ShapeBeyondThirtyTwoUnits_ThrowsNamingTheShape()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            DenseSmall.Forward<Shape<C7, C33>>(new float[7], new float[7 * 33], default, new float[33], 1, Activation.Identity));
        Assert.Contains("33 units", error.Message);
    }

    [Fact]
    public void Forward_ShortWeight_ThrowsNamingWeightAndSizes()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            DenseSmall.Forward<Shape<C7, C3>>(new float[7], new float[20], default, new float[3], 1, Activation.Identity));
        Assert.Equal("weight", error.ParamName);
        Assert.Contains("[3, 7] needs 21", error.Message);
    }

    [Fact]
    public void Backward_ShortDinput_ThrowsNamingDinput()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            DenseSmall.Backward<Shape<C7, C3>>(new float[6], new float[14], new float[21], new float[13], new float[21], default, 2, false));
        Assert.Equal("dinput", error.ParamName);
    }

    [Fact]
    public void ForwardAndBackward_DoNotAllocate()
    {
        const int batch = 64, inputs = 128, units = 10;
        float[] x = Random(batch * inputs, 1), w = Random(units * inputs, 2), b = Random(units, 3), y = new float[batch * units];
        float[] dy = Random(batch * units, 4), dx = new float[batch * inputs], dw = new float[units * inputs], db = new float[units];
        int[] labels = new int[batch];
        void Step()
        {
            DenseSmall.Forward<Shape<C128, C10>>(x, w, b, y, batch, Activation.ReLU);
            DenseSmall.Forward<Shape<C128, C10>>(x, w, b, y, 1, Activation.Identity);
            Losses.SoftmaxCrossEntropy(y, labels, dy, batch, units);
            DenseSmall.Backward<Shape<C128, C10>>(dy, x, w, dx, dw, db, batch, accumulateParameterGradients: false);
        }
        Step();
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            for (int i = 0; i < 10; i++) Step();
        }));
    }

    private static void ForwardMatchesReference<TShape>() where TShape : struct, IDenseShape
    {
        int inputs = TShape.Inputs, units = TShape.Units;
        foreach (int batch in Rows)
        {
            float[] input = Random(batch * inputs, 1), weight = Random(units * inputs, 2), bias = Random(units, 3);
            foreach (float[] b in new[] { bias, Array.Empty<float>() })
            {
                var linear = new float[batch * units];
                Dense.ForwardReference(input, weight, b, linear, batch, inputs, units);
                foreach (Activation activation in new[] { Activation.Identity, Activation.ReLU, Activation.Sigmoid, Activation.Tanh })
                {
                    // One float past the output: a masked store must not write beyond the rows it was given.
                    var fast = new float[batch * units + 1];
                    fast[^1] = 12345f;
                    DenseSmall.Forward<TShape>(input, weight, b, fast, batch, activation);
                    double[] expected = Array.ConvertAll(linear, v => Apply(activation, v));
                    AssertClose(expected, fast, Absolute, Relative, $"{activation} output of {batch}x{inputs}->{units} (bias: {b.Length > 0})");
                    Assert.Equal(12345f, fast[^1]);
                }
            }
        }
    }

    private static void BackwardMatchesReference<TShape>() where TShape : struct, IDenseShape
    {
        int inputs = TShape.Inputs, units = TShape.Units;
        foreach (int batch in Rows)
        {
            foreach (bool accumulate in new[] { true, false })
            {
                float[] doutput = Random(batch * units, 4), input = Random(batch * inputs, 5), weight = Random(units * inputs, 6);
                // Garbage in dinput (and, when overwriting, in dweight and dbias) must be overwritten.
                float[] dinputFast = Random(batch * inputs + 1, 7, 50, 60);
                float[] dweightFast = Random(units * inputs + 1, 8, accumulate ? -1 : 50, accumulate ? 1 : 60);
                float[] dbiasFast = Random(units + 1, 9, accumulate ? -1 : 50, accumulate ? 1 : 60);
                float dinputSentinel = dinputFast[^1], dweightSentinel = dweightFast[^1], dbiasSentinel = dbiasFast[^1];
                var dinputReference = new float[batch * inputs];
                float[] dweightReference = accumulate ? dweightFast[..^1] : new float[units * inputs];
                float[] dbiasReference = accumulate ? dbiasFast[..^1] : new float[units];

                DenseSmall.Backward<TShape>(doutput, input, weight, dinputFast, dweightFast, dbiasFast, batch, accumulate);
                Dense.BackwardReference(doutput, input, weight, dinputReference, dweightReference, dbiasReference, batch, inputs, units);

                string what = $" of {batch}x{inputs}->{units} (accumulate: {accumulate})";
                AssertClose(dinputReference, dinputFast, Absolute, Relative, "dinput" + what);
                AssertClose(dweightReference, dweightFast, Absolute, Relative, "dweight" + what);
                AssertClose(dbiasReference, dbiasFast, Absolute, Relative, "dbias" + what);
                Assert.Equal(dinputSentinel, dinputFast[^1]);
                Assert.Equal(dweightSentinel, dweightFast[^1]);
                Assert.Equal(dbiasSentinel, dbiasFast[^1]);

                // The first layer passes no dinput (and a layer without bias no dbias): both skipped.
                DenseSmall.Backward<TShape>(doutput, input, weight, default, dweightFast, default, batch, accumulate);
            }
        }
    }

    // L = Σ r ∘ tanh(x · w^T + b) in double, against the kernel's gradients of the same L: the generated backward first
    // turns dL/dy into dL/dz with the activation's backward (reading the output), then calls the specialized kernel.
    private static void BackwardMatchesFiniteDifferences<TShape>() where TShape : struct, IDenseShape
    {
        int inputs = TShape.Inputs, units = TShape.Units;
        foreach (int batch in new[] { 3, 9 })
        {
            float[] input = Random(batch * inputs, 10), weight = Random(units * inputs, 11, -0.3f, 0.3f), bias = Random(units, 12);
            float[] r = Random(batch * units, 13);
            var output = new float[batch * units];
            DenseSmall.Forward<TShape>(input, weight, bias, output, batch, Activation.Tanh);
            var dz = new float[batch * units];
            Activations.Backward(Activation.Tanh, default, output, r, dz);
            var dinput = new float[batch * inputs];
            var dweight = new float[units * inputs];
            var dbias = new float[units];
            DenseSmall.Backward<TShape>(dz, input, weight, dinput, dweight, dbias, batch, accumulateParameterGradients: false);

            double[] x = ToDouble(input), w = ToDouble(weight), b = ToDouble(bias);
            double Loss()
            {
                double sum = 0;
                for (int i = 0; i < batch; i++)
                {
                    for (int n = 0; n < units; n++)
                    {
                        double z = b[n];
                        for (int k = 0; k < inputs; k++) z += x[i * inputs + k] * w[n * inputs + k];
                        sum += r[i * units + n] * Math.Tanh(z);
                    }
                }
                return sum;
            }
            string what = $" of {batch}x{inputs}->{units}";
            AssertClose(CentralDifferences(x, _ => Loss()), dinput, 1e-4, 1e-3, "dinput" + what);
            AssertClose(CentralDifferences(w, _ => Loss()), dweight, 1e-4, 1e-3, "dweight" + what);
            AssertClose(CentralDifferences(b, _ => Loss()), dbias, 1e-4, 1e-3, "dbias" + what);
        }
    }

    private static double Apply(Activation activation, double v) => activation switch
    {
        Activation.ReLU => Math.Max(v, 0),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
        Activation.Tanh => Math.Tanh(v),
        _ => v,
    };

    // Calls the generic check named `check` on Shape<inputs, units>: the shapes are types, as the generator emits them.
    private static void Invoke(string check, int inputs, int units)
    {
        Type shape = typeof(Shape<,>).MakeGenericType(Constant(inputs), Constant(units));
        MethodInfo method = typeof(DenseSmallTests).GetMethod(check, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(shape);
        try
        {
            method.Invoke(null, null);
        }
        catch (TargetInvocationException error) when (error.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error.InnerException).Throw();
        }
    }

    private static Type Constant(int value) => value switch
    {
        1 => typeof(C1), 3 => typeof(C3), 7 => typeof(C7), 10 => typeof(C10), 16 => typeof(C16), 17 => typeof(C17),
        24 => typeof(C24), 32 => typeof(C32), 33 => typeof(C33),
        84 => typeof(C84), 128 => typeof(C128), 129 => typeof(C129),
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "No constant type for this size."),
    };

    internal interface IConstant
    {
        static abstract int Value { get; }
    }

    internal readonly struct Shape<TInputs, TUnits> : IDenseShape where TInputs : struct, IConstant where TUnits : struct, IConstant
    {
        public static int Inputs => TInputs.Value;

        public static int Units => TUnits.Value;
    }

    internal readonly struct C1 : IConstant { public static int Value => 1; }
    internal readonly struct C3 : IConstant { public static int Value => 3; }
    internal readonly struct C7 : IConstant { public static int Value => 7; }
    internal readonly struct C10 : IConstant { public static int Value => 10; }
    internal readonly struct C16 : IConstant { public static int Value => 16; }
    internal readonly struct C17 : IConstant { public static int Value => 17; }
    internal readonly struct C24 : IConstant { public static int Value => 24; }
    internal readonly struct C32 : IConstant { public static int Value => 32; }
    internal readonly struct C33 : IConstant { public static int Value => 33; }
    internal readonly struct C84 : IConstant { public static int Value => 84; }
    internal readonly struct C128 : IConstant { public static int Value => 128; }
    internal readonly struct C129 : IConstant { public static int Value => 129; }
}
