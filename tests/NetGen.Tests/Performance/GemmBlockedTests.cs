using NetGen.Kernels;
using NetGen.Tests.Kernels;

namespace NetGen.Tests.Performance;

/// <summary>
/// The blocked, row-dot and simple paths of <see cref="Gemm"/> against the double-precision reference, on awkward
/// shapes that leave partial register tiles and partial blocks in every dimension, for every layout; and the
/// promise that results do not depend on how C is split across threads.
/// </summary>
public class GemmBlockedTests
{
    public enum Layout { NN, NT, TN }

    // Each awkward size appears in every dimension; the products span the simple (< 2^16 multiply-adds), blocked,
    // parallel (>= 2^18) and row-dot (NT with m < 8, or n < 16) paths, and k = 784 crosses depth blocks of 256.
    public static TheoryData<Layout, int, int, int> Shapes()
    {
        var data = new TheoryData<Layout, int, int, int>();
        int[][] shapes =
        [
            [1, 65, 784], [3, 129, 63], [7, 17, 65], [17, 63, 129], [63, 65, 17], [65, 7, 129], [129, 3, 65],
            [784, 17, 7], [65, 129, 63], [129, 784, 17], [17, 129, 784], [63, 1, 129], [784, 65, 1], [129, 65, 129],
            [129, 10, 784], [784, 7, 65],   // NT: a narrow C (under 16 columns) runs as row dots, rows split across threads
        ];
        foreach (Layout layout in Enum.GetValues<Layout>())
            foreach (int[] s in shapes) data.Add(layout, s[0], s[1], s[2]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FastPaths_MatchDoubleReference_WithinRoundingBound(Layout layout, int m, int n, int k)
    {
        var (a, b, initial) = Operands(m, n, k, seed: (ulong)(m * 1_000_003 + n * 1009 + k));
        foreach (bool accumulate in new[] { false, true })
        {
            float[] c = (float[])initial.Clone();
            Run(layout, a, b, c, m, n, k, accumulate);
            AssertWithinBound(layout, a, b, initial, c, m, n, k, accumulate, $"{layout} {m}x{n}x{k} accumulate={accumulate}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Results_AreBitIdentical_ForEveryThreadSplit_AndBothVectorWidths(Layout layout, int m, int n, int k)
    {
        var (a, b, initial) = Operands(m, n, k, seed: 7);
        float[] pooled = (float[])initial.Clone();
        Run(layout, a, b, pooled, m, n, k, accumulate: true);   // the shared pool, as many threads as cores
        foreach (int parts in new[] { 1, 2, 3 })
        {
            float[] split = (float[])initial.Clone();
            try
            {
                Gemm.SequentialParts = parts;
                Run(layout, a, b, split, m, n, k, accumulate: true);
            }
            finally
            {
                Gemm.SequentialParts = 0;
            }
            Assert.True(pooled.AsSpan().SequenceEqual(split), $"{layout} {m}x{n}x{k}: {parts} parts differ from the pool's result.");
        }

        // The Vector256 register tile forms every element with the same multiply-adds as the Vector512 one; the
        // row-dot path (NT with m < 8 or n < 16) sums in a different order per width, and large NT products read B in
        // place with Vector512 only (one chain over the whole depth, where the packed kernel adds depth blocks), so
        // those get the bound instead.
        float[] narrow = (float[])initial.Clone();
        try
        {
            Gemm.SequentialParts = 2;
            Gemm.ForceVector256 = true;
            Run(layout, a, b, narrow, m, n, k, accumulate: true);
        }
        finally
        {
            Gemm.SequentialParts = 0;
            Gemm.ForceVector256 = false;
        }
        bool rowDots = layout == Layout.NT && (m < Gemm.TileRows || Gemm.UseRowDotsForNarrow(m, n, k));
        bool inPlace = layout == Layout.NT && Gemm.UseInPlace(m, n, k);
        if (rowDots || inPlace) AssertWithinBound(layout, a, b, initial, narrow, m, n, k, accumulate: true, $"{layout} {m}x{n}x{k} Vector256");
        else Assert.True(pooled.AsSpan().SequenceEqual(narrow), $"{layout} {m}x{n}x{k}: the Vector256 kernel differs from the Vector512 one.");
    }

    [Theory]
    [InlineData(1, 784, 256)]    // one sample: row dots, weight rows split across the cores when parallel
    [InlineData(3, 129, 65)]
    [InlineData(64, 784, 129)]   // packed, split across the cores when parallel
    [InlineData(65, 63, 17)]     // below every threshold: the same path either way
    [InlineData(129, 1024, 10)]  // few units: one padded column tile, rows split when parallel
    public void DenseLayer_KeptOnOneThread_IsBitIdenticalToSplitAcrossCores(int batch, int inputs, int units)
    {
        // The generator passes parallel: false for layers too small to pay for waking a core; that choice must change
        // only the speed. Forward (fused bias + ReLU) and backward (overwriting and accumulating) are compared bit for bit.
        float[] input = Numerics.Random(batch * inputs, 11), weight = Numerics.Random(units * inputs, 12), bias = Numerics.Random(units, 13);
        float[] doutput = Numerics.Random(batch * units, 14), initialWeightGradient = Numerics.Random(units * inputs, 15);
        var results = new List<float[]>();
        foreach (bool parallel in new[] { true, false })
        {
            float[] output = new float[batch * units], dinput = new float[batch * inputs];
            float[] dweight = (float[])initialWeightGradient.Clone(), dbias = new float[units];
            float[] dweightAdded = (float[])initialWeightGradient.Clone(), dbiasAdded = new float[units];
            Dense.Forward(input, weight, bias, output, batch, inputs, units, Activation.ReLU, parallel);
            Dense.Backward(doutput, input, weight, dinput, dweight, dbias, batch, inputs, units, accumulateParameterGradients: false, parallel);
            Dense.Backward(doutput, input, weight, default, dweightAdded, dbiasAdded, batch, inputs, units, accumulateParameterGradients: true, parallel);
            results.Add([.. output, .. dinput, .. dweight, .. dbias, .. dweightAdded, .. dbiasAdded]);
        }
        Assert.True(results[0].AsSpan().SequenceEqual(results[1]), $"Dense {batch}x{inputs}->{units}: one thread differs from the pool.");

        // And the overwrite really overwrites: dweight no longer holds its initial values, it equals the product alone.
        float[] expected = new float[units * inputs];
        Gemm.Reference(doutput, transposeA: true, input, transposeB: false, expected, units, inputs, batch, accumulate: false);
        float[] overwritten = results[1].AsSpan(batch * units + batch * inputs, units * inputs).ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - overwritten[i]) <= 1e-4 * (1 + Math.Abs(expected[i])),
                $"Dense {batch}x{inputs}->{units}: dweight[{i}] = {overwritten[i]}, the product alone is {expected[i]}.");
        }
    }

    [Theory]
    [InlineData(Layout.NN, 300, 1100, 530)]
    [InlineData(Layout.NT, 300, 1100, 530)]
    [InlineData(Layout.TN, 300, 1100, 530)]
    [InlineData(Layout.NT, 228, 71, 1000)]  // B read in place: a last strip of A with 4 rows of 32, a last group of B with 7 rows of 8
    [InlineData(Layout.NT, 64, 64, 128)]    // the smallest in-place product (2^19 multiply-adds): full strips and groups only
    public void ProductSpanningSeveralBlocksInEveryDimension_MatchesReference_ForEveryThreadSplit(Layout layout, int m, int n, int k)
    {
        // 300 rows: three row blocks of A (the last partial), shared by the threads that split the columns; 1100
        // columns: three column blocks of B; depth 530: three depth blocks. Every split must give the pool's bits.
        var (a, b, initial) = Operands(m, n, k, seed: 21);
        float[] pooled = (float[])initial.Clone();
        Run(layout, a, b, pooled, m, n, k, accumulate: true);
        AssertWithinBound(layout, a, b, initial, pooled, m, n, k, accumulate: true, $"{layout} {m}x{n}x{k}");
        foreach (int parts in new[] { 1, 2, 5 })
        {
            float[] split = (float[])initial.Clone();
            try
            {
                Gemm.SequentialParts = parts;
                Run(layout, a, b, split, m, n, k, accumulate: true);
            }
            finally
            {
                Gemm.SequentialParts = 0;
            }
            Assert.True(pooled.AsSpan().SequenceEqual(split), $"{layout} {m}x{n}x{k}: {parts} parts differ from the pool's result.");
        }
    }

    [Theory]
    [InlineData(Activation.Identity, true)]
    [InlineData(Activation.ReLU, true)]
    [InlineData(Activation.ReLU, false)]
    [InlineData(Activation.Sigmoid, true)]
    [InlineData(Activation.Tanh, true)]
    public void DenseForward_ReadingWeightsInPlace_AppliesBiasAndActivationInItsStore(Activation activation, bool withBias)
    {
        // 228 x 71 x 1000 takes the in-place NT path (Vector512): bias and activation are applied as each transposed tile
        // is stored, the last group of 7 units element by element, the last strip of 4 samples through a partial transpose.
        const int Batch = 228, Inputs = 1000, Units = 71;
        Assert.True(!Gemm.UseVector512 || Gemm.UseInPlace(Batch, Units, Inputs));
        float[] input = Numerics.Random(Batch * Inputs, 41), weight = Numerics.Random(Units * Inputs, 42);
        float[] bias = withBias ? Numerics.Random(Units, 43) : [];
        float[] output = new float[Batch * Units], expected = new float[Batch * Units];
        Dense.Forward(input, weight, bias, output, Batch, Inputs, Units, activation);
        Dense.ForwardReference(input, weight, bias, expected, Batch, Inputs, Units);
        Activations.Forward(activation, expected, expected);
        for (int i = 0; i < expected.Length; i++)
        {
            // AssertWithinBound's worst case is about 0.03 here (1000 terms, magnitudes summing to about 250); two
            // float summation orders typically differ by 1e-4. 2e-3 still catches a missing bias (about 0.5) or activation.
            Assert.True(Math.Abs(expected[i] - output[i]) <= 2e-3f, $"{activation} bias={withBias}: output[{i}] = {output[i]}, reference {expected[i]}.");
        }
    }

    [Fact]
    public void PackedA_IsPackedAfresh_EveryCall_AfterSmallerAndLargerProducts()
    {
        // A is packed once per call into a buffer that the calling thread keeps and grows; a block marked packed by an
        // earlier call, or left from a larger one, must never be read as this call's A.
        int[][] shapes = [[200, 600, 300], [64, 96, 40], [520, 300, 700], [200, 600, 300]];
        for (int i = 0; i < shapes.Length; i++)
        {
            int m = shapes[i][0], n = shapes[i][1], k = shapes[i][2];
            var (a, b, initial) = Operands(m, n, k, seed: 31 + (ulong)i);
            foreach (Layout layout in Enum.GetValues<Layout>())
            {
                float[] c = (float[])initial.Clone();
                Run(layout, a, b, c, m, n, k, accumulate: false);
                AssertWithinBound(layout, a, b, initial, c, m, n, k, accumulate: false, $"call {i}: {layout} {m}x{n}x{k}");
            }
        }
    }

    [Fact]
    public void SharedPackedBlock_IsPackedByItsFirstClaimer_WaitedFor_OrRepackedWhenItsPackerStalls()
    {
        // The protocol behind the packed A that threads share (Gemm.MustPack): the first thread claims and packs; a
        // block already packed is read as it is; a block another thread is packing is waited for; and when that
        // thread makes no progress (descheduled on a busy machine) the waiter packs it itself after 100 us, so a
        // thread that lost its core never stalls the product for longer than that.
        int state = Gemm.Unpacked;
        Assert.True(Gemm.MustPack(ref state));
        Assert.Equal(Gemm.Packing, state);
        state = Gemm.Packed;
        Assert.False(Gemm.MustPack(ref state));

        state = Gemm.Packing;
        var finisher = new Thread(() => { Thread.Sleep(0); Thread.SpinWait(2000); Volatile.Write(ref state, Gemm.Packed); });
        finisher.Start();
        bool packsItself = Gemm.MustPack(ref state);
        finisher.Join();
        // Either the finisher marked it packed while this thread waited (the usual case), or it was not scheduled
        // within 100 us and this thread took over: both are correct; what must not happen is returning early.
        if (!packsItself) Assert.Equal(Gemm.Packed, Volatile.Read(ref state));

        state = Gemm.Packing;   // a packer that never finishes
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        Assert.True(Gemm.MustPack(ref state));
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMicroseconds >= 100, "gave up before 100 us");
    }

    [Fact]
    public void RepeatedCalls_AllocateNothing_OnTheCallingThread()
    {
        var (a, b, c) = Operands(129, 784, 65, seed: 3);
        for (int warmUp = 0; warmUp < 2; warmUp++)   // the pool and this thread's packing buffers start on first use
        {
            Gemm.NT(a, b, c, 129, 784, 65, accumulate: false);
            Gemm.NN(a, b, c, 129, 784, 65, accumulate: false);
            Gemm.TN(a, b, c, 129, 784, 65, accumulate: true);
            Gemm.NT(a, b, c, 1, 784, 65, accumulate: false);
        }
        // The pool's threads are covered by the benchmark app, which counts every thread's bytes per step
        // (GC.GetTotalAllocatedBytes); here other test classes run concurrently, so only this thread is measured.
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            for (int i = 0; i < 5; i++)
            {
                Gemm.NT(a, b, c, 129, 784, 65, accumulate: false);
                Gemm.NN(a, b, c, 129, 784, 65, accumulate: false);
                Gemm.TN(a, b, c, 129, 784, 65, accumulate: true);
                Gemm.NT(a, b, c, 1, 784, 65, accumulate: false);
            }
        }));
    }

    private static (float[] A, float[] B, float[] C) Operands(int m, int n, int k, ulong seed) =>
        (Numerics.Random(m * k, seed), Numerics.Random(k * n, seed + 1), Numerics.Random(m * n, seed + 2));

    private static void Run(Layout layout, float[] a, float[] b, float[] c, int m, int n, int k, bool accumulate)
    {
        switch (layout)
        {
            case Layout.NN: Gemm.NN(a, b, c, m, n, k, accumulate); break;
            case Layout.NT: Gemm.NT(a, b, c, m, n, k, accumulate); break;
            default: Gemm.TN(a, b, c, m, n, k, accumulate); break;
        }
    }

    // A float sum of k products, each rounded once by a fused multiply-add, errs from the exact sum by at most
    // gamma_(k+1) = (k+1)u / (1 - (k+1)u), u = 2^-24, times the sum of the magnitudes of its terms (Higham, Accuracy
    // and Stability of Numerical Algorithms, 3.1), whatever the order of summation: that bound, doubled for the
    // reference's own rounding to float, is the tolerance of each element.
    private static void AssertWithinBound(Layout layout, float[] a, float[] b, float[] initial, float[] c, int m, int n, int k,
        bool accumulate, string what)
    {
        const double Unit = 1.0 / (1 << 24);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double exact = accumulate ? initial[i * n + j] : 0.0;
                double magnitude = Math.Abs(exact);
                for (int p = 0; p < k; p++)
                {
                    double av = layout == Layout.TN ? a[p * m + i] : a[i * k + p];
                    double bv = layout == Layout.NT ? b[j * k + p] : b[p * n + j];
                    exact += av * bv;
                    magnitude += Math.Abs(av * bv);
                }
                double gamma = (k + 1) * Unit / (1 - (k + 1) * Unit);
                double allowed = 2 * gamma * magnitude + 1e-30;
                double error = Math.Abs(c[i * n + j] - exact);
                if (!(error <= allowed))
                    Assert.Fail($"{what}: C[{i}, {j}] = {c[i * n + j]:R}, exact {exact:R} (error {error:E2} > bound {allowed:E2}).");
            }
        }
    }
}
