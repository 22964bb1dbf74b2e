namespace NetGen.Tests.Recurrent;

/// <summary>
/// Tests every recurrent cell passes the same way; <see cref="SimpleRnnTests"/>, <see cref="LstmTests"/>
/// and <see cref="GruTests"/> inherit them and add their hand-computed PyTorch single steps.
/// </summary>
public abstract class RecurrentCellTests<TCell> where TCell : RecurrentCell, new()
{
    private protected readonly TCell Cell = new();

    public static TheoryData<int, int, int, int> GradientShapes => new()
    {
        { 2, 5, 3, 5 },   // five steps, every gate size odd
        { 3, 3, 1, 7 },   // scalar input
        { 1, 4, 6, 1 },   // one hidden unit
        { 1, 3, 2, 17 },  // whole vectors (8 or 16 lanes) plus a scalar tail in the fused gate loops
    };

    public static TheoryData<int, int, int, int> AwkwardShapes => new()
    {
        { 3, 5, 7, 17 },  // 17: whole vectors (8 or 16 lanes) plus a scalar tail
        { 1, 1, 1, 1 },
        { 2, 3, 9, 33 },
        { 4, 2, 16, 8 },
    };

    [Theory]
    [MemberData(nameof(GradientShapes))]
    public void Backward_MatchesFiniteDifferences_OfDoublePrecisionForward(int batch, int steps, int inputSize, int hidden)
    {
        var shape = new RecurrentShape(batch, steps, inputSize, hidden);
        var problem = RecurrentProblem.Create(shape, Cell.Gates, Cell.HasCell, seed: 11 * batch + steps);
        float[] output = new float[batch * steps * hidden], cache = new float[Cell.CacheSize(shape)];
        Cell.Forward(false, problem, problem.InitialHidden, problem.InitialCell, output, [], [], cache);
        var gradients = new RecurrentGradients(problem);
        Cell.Backward(false, problem, problem.OutputWeights, cache, gradients, new float[Cell.ScratchSize(shape)]);

        double[][] point = Array.ConvertAll(problem.Tensors(), t => Array.ConvertAll(t, v => (double)v));
        double[] outputWeights = Array.ConvertAll(problem.OutputWeights, v => (double)v);
        double Loss()
        {
            double[] y = Cell.DoubleForward(point, shape);
            double sum = 0;
            for (int i = 0; i < y.Length; i++) sum += y[i] * outputWeights[i];
            return sum;
        }

        // The float forward follows the double formulas: |error| <= 1e-5 (float rounding through at most
        // five steps of O(1) values is ~1e-6).
        double[] expectedOutput = Cell.DoubleForward(point, shape);
        for (int i = 0; i < output.Length; i++)
            Assert.True(Math.Abs(output[i] - expectedOutput[i]) <= 1e-5, $"output[{i}]: {output[i]} vs double {expectedOutput[i]}");

        // Central differences on the double forward: with eps = 1e-6 the truncation error (~eps^2) and the
        // cancellation error (~1e-16/eps) are both below 1e-9, so the tolerance only has to cover the float
        // analytic gradient: sums of up to ~100 O(1) float products, relative error ~1e-6; we allow
        // 1e-4 absolute + 1e-3 relative.
        const double eps = 1e-6;
        float[][] analytic = gradients.All();
        for (int k = 0; k < point.Length; k++)
        {
            for (int i = 0; i < point[k].Length; i++)
            {
                double saved = point[k][i];
                point[k][i] = saved + eps;
                double plus = Loss();
                point[k][i] = saved - eps;
                double minus = Loss();
                point[k][i] = saved;
                double numeric = (plus - minus) / (2 * eps);
                Assert.True(Math.Abs(analytic[k][i] - numeric) <= 1e-4 + 1e-3 * Math.Abs(numeric),
                    $"{RecurrentProblem.TensorNames[k]}[{i}] ({shape}): analytic {analytic[k][i]} vs finite difference {numeric}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(AwkwardShapes))]
    public void FastKernels_MatchReferenceKernels(int batch, int steps, int inputSize, int hidden)
    {
        var shape = new RecurrentShape(batch, steps, inputSize, hidden);
        var problem = RecurrentProblem.Create(shape, Cell.Gates, Cell.HasCell, seed: 5 + hidden);
        int outputSize = batch * steps * hidden, stateSize = batch * hidden, cellSize = Cell.HasCell ? stateSize : 0;
        float[] fastOutput = new float[outputSize], fastHidden = new float[stateSize], fastCell = new float[cellSize];
        float[] referenceOutput = new float[outputSize], referenceHidden = new float[stateSize], referenceCell = new float[cellSize];
        float[] fastCache = new float[Cell.CacheSize(shape)], referenceCache = new float[Cell.CacheSize(shape)];
        Cell.Forward(false, problem, problem.InitialHidden, problem.InitialCell, fastOutput, fastHidden, fastCell, fastCache);
        Cell.Forward(true, problem, problem.InitialHidden, problem.InitialCell, referenceOutput, referenceHidden, referenceCell, referenceCache);

        // Forward: the reference sums in double, the fast kernel in float; 1e-5 covers float rounding of O(1) sums.
        AssertClose(referenceOutput, fastOutput, 1e-5, "output");
        AssertClose(referenceHidden, fastHidden, 1e-5, "finalHidden");
        AssertClose(referenceCell, fastCell, 1e-5, "finalCell");

        // Backward: each kernel reads the cache its own forward wrote (so the layouts must agree). Both sum in
        // float in different orders over up to B*T*4H = 180 terms: 1e-4 absolute + 1e-4 relative.
        var fast = new RecurrentGradients(problem);
        var reference = new RecurrentGradients(problem);
        float[] scratch = new float[Cell.ScratchSize(shape)];
        Cell.Backward(false, problem, problem.OutputWeights, fastCache, fast, scratch);
        Cell.Backward(true, problem, problem.OutputWeights, referenceCache, reference, scratch);
        float[][] fastAll = fast.All(), referenceAll = reference.All();
        for (int k = 0; k < fastAll.Length; k++) AssertClose(referenceAll[k], fastAll[k], 1e-4, "d" + RecurrentProblem.TensorNames[k]);
        AssertClose(reference.StepNorms, fast.StepNorms, 1e-4, "stepGradientNorms");

        // The brief's short overload gives bit-identical input and parameter gradients.
        var viaShort = new RecurrentGradients(problem);
        Cell.BackwardShort(problem, problem.OutputWeights, fastCache, viaShort, scratch);
        for (int k = 0; k < 5; k++) Assert.Equal(fastAll[k], viaShort.All()[k]);
    }

    [Fact]
    public void Results_AreBitIdentical_WhateverTheSplitOfBatchRowsAcrossThreads()
    {
        // 20 rows = 3 tiles of 8 (the last partial); hidden 45 = 32 + 8 + 5 takes every column path. Large enough (B*T*G*H*H >= 2^20)
        // for the pool to split the rows when it runs unforced.
        var shape = new RecurrentShape(20, 30, 3, 45);
        var problem = RecurrentProblem.Create(shape, Cell.Gates, Cell.HasCell, seed: 9);
        (float[] Output, float[][] Gradients, float[] Norms) Run(int parts)
        {
            try
            {
                NetGen.Kernels.Gemm.SequentialParts = parts;
                int stateSize = shape.Batch * shape.Hidden;
                float[] output = new float[shape.Batch * shape.Steps * shape.Hidden], cache = new float[Cell.CacheSize(shape)];
                Cell.Forward(false, problem, problem.InitialHidden, problem.InitialCell, output, new float[stateSize],
                    new float[Cell.HasCell ? stateSize : 0], cache);
                var gradients = new RecurrentGradients(problem);
                Cell.Backward(false, problem, problem.OutputWeights, cache, gradients, new float[Cell.ScratchSize(shape)]);
                return (output, gradients.All(), gradients.StepNorms);
            }
            finally
            {
                NetGen.Kernels.Gemm.SequentialParts = 0;
            }
        }
        var one = Run(1);
        foreach (int parts in new[] { 0, 2, 3 })   // 0: the shared pool, as many threads as cores
        {
            var split = Run(parts);
            Assert.Equal(one.Output, split.Output);
            for (int k = 0; k < one.Gradients.Length; k++) Assert.Equal(one.Gradients[k], split.Gradients[k]);
            Assert.Equal(one.Norms, split.Norms);
        }
    }

    [Fact]
    public void CarriedState_TwoBatchesOfThreeSteps_EqualOneBatchOfSix()
    {
        // Truncated BPTT carries the final state into the next batch: running steps 0..2 and then 3..5 from
        // the carried state must give the same outputs as running 0..5 at once.
        var whole = new RecurrentShape(2, 6, 3, 5);
        var half = whole with { Steps = 3 };
        var problem = RecurrentProblem.Create(whole, Cell.Gates, Cell.HasCell, seed: 3);
        int stateSize = whole.Batch * whole.Hidden, cellSize = Cell.HasCell ? stateSize : 0;
        float[] wholeOutput = new float[2 * 6 * 5], wholeHidden = new float[stateSize], wholeCell = new float[cellSize];
        Cell.Forward(false, problem, problem.InitialHidden, problem.InitialCell, wholeOutput, wholeHidden, wholeCell, new float[Cell.CacheSize(whole)]);

        float[] hidden = (float[])problem.InitialHidden.Clone(), cell = (float[])problem.InitialCell.Clone();
        for (int part = 0; part < 2; part++)
        {
            var partInput = new float[half.Batch * half.Steps * half.Input];
            for (int b = 0; b < 2; b++)
                Array.Copy(problem.Input, (b * 6 + part * 3) * 3, partInput, b * 3 * 3, 3 * 3);
            var partProblem = problem with { Shape = half, Input = partInput, OutputWeights = new float[2 * 3 * 5] };
            var partOutput = new float[2 * 3 * 5];
            // initial and final state share memory, as a caller carrying state would do
            Cell.Forward(false, partProblem, hidden, cell, partOutput, hidden, cell, new float[Cell.CacheSize(half)]);
            for (int b = 0; b < 2; b++)
                for (int i = 0; i < 3 * 5; i++)
                    Assert.Equal(wholeOutput[(b * 6 + part * 3) * 5 + i], partOutput[b * 3 * 5 + i], 1e-6f);
        }
        AssertClose(wholeHidden, hidden, 1e-6, "finalHidden");
        AssertClose(wholeCell, cell, 1e-6, "finalCell");
    }

    [Fact]
    public void ForwardAndBackward_AllocateNothing()
    {
        var shape = new RecurrentShape(4, 6, 10, 20);
        var problem = RecurrentProblem.Create(shape, Cell.Gates, Cell.HasCell, seed: 1);
        int stateSize = shape.Batch * shape.Hidden, cellSize = Cell.HasCell ? stateSize : 0;
        float[] output = new float[4 * 6 * 20], finalHidden = new float[stateSize], finalCell = new float[cellSize];
        float[] cache = new float[Cell.CacheSize(shape)], scratch = new float[Cell.ScratchSize(shape)];
        var gradients = new RecurrentGradients(problem);
        void Step()
        {
            Cell.Forward(false, problem, problem.InitialHidden, problem.InitialCell, output, finalHidden, finalCell, cache);
            Cell.Backward(false, problem, problem.OutputWeights, cache, gradients, scratch);
            Cell.BackwardShort(problem, problem.OutputWeights, cache, gradients, scratch);
        }
        Step();   // warm up: JIT and tiering
        // Steady state allocates nothing; a one-time allocation in the window (seen once in CI: 4,160 B, while the
        // runtime was still tiering the kernels up) is retried, at most four times, rather than counted as per-step.
        long allocated = 0;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Step();
            Step();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated == 0) break;
        }
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void WrongSpanLengths_ThrowArgumentException_NamingTheArgument()
    {
        var shape = new RecurrentShape(2, 3, 4, 5);
        var problem = RecurrentProblem.Create(shape, Cell.Gates, Cell.HasCell, seed: 2);
        int stateSize = 2 * 5, cellSize = Cell.HasCell ? stateSize : 0;
        float[] output = new float[2 * 3 * 5], cache = new float[Cell.CacheSize(shape)];

        var shortWeights = problem with { WeightHh = new float[problem.WeightHh.Length - 1] };
        var error = Assert.Throws<ArgumentException>(() => Cell.Forward(false, shortWeights, problem.InitialHidden, problem.InitialCell,
            output, new float[stateSize], new float[cellSize], cache));
        Assert.Equal("weightHh", error.ParamName);
        Assert.Contains($"{problem.WeightHh.Length - 1}", error.Message);
        Assert.Contains($"{problem.WeightHh.Length}", error.Message);

        error = Assert.Throws<ArgumentException>(() => Cell.Forward(false, problem, problem.InitialHidden, problem.InitialCell,
            output, new float[stateSize], new float[cellSize], new float[cache.Length - 1]));
        Assert.Equal("cache", error.ParamName);

        error = Assert.Throws<ArgumentException>(() => Cell.Forward(false, problem, new float[stateSize + 1], problem.InitialCell,
            output, new float[stateSize], new float[cellSize], cache));
        Assert.Equal("initialHidden", error.ParamName);

        Cell.Forward(false, problem, problem.InitialHidden, problem.InitialCell, output, [], [], cache);
        error = Assert.Throws<ArgumentException>(() => Cell.Backward(false, problem, problem.OutputWeights, cache,
            new RecurrentGradients(problem), new float[Cell.ScratchSize(shape) - 1]));
        Assert.Equal("scratch", error.ParamName);
    }

    private protected static void AssertClose(float[] expected, float[] actual, double tolerance, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"{name}[{i}]: expected {expected[i]}, actual {actual[i]}");
    }
}
