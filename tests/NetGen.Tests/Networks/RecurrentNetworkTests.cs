namespace NetGen.Tests.Networks;

/// <summary>
/// Generated recurrent networks: end-to-end gradients through embedding, Lstm, Gru, SimpleRnn and a per-step
/// dense layer; state carried across calls; no allocation per step; a recall task learned.
/// </summary>
public class RecurrentNetworkTests
{
    private static int[] Tokens(int count, int vocabulary, ulong seed)
    {
        var rng = new Rng(seed);
        var tokens = new int[count];
        for (int i = 0; i < count; i++) tokens[i] = rng.NextInt(vocabulary);
        return tokens;
    }

    /// <summary>
    /// Analytic gradient (Backward of d(loss)/d(output)) against central differences of the network's loss, for every
    /// parameter. Tolerance: float forward passes with eps = 1e-2 through 4 steps of 3 stacked cells are accurate to
    /// about 1e-3 absolute; a wiring bug (wrong buffer, step or gate block) is off by O(gradient).
    /// </summary>
    private static void CheckGradients(Func<float[]> analyticGradients, Func<double> loss, Span<float> parameters)
    {
        float[] analytic = analyticGradients();
        const float Epsilon = 1e-2f;
        for (int p = 0; p < parameters.Length; p++)
        {
            float saved = parameters[p];
            parameters[p] = saved + Epsilon;
            double plus = loss();
            parameters[p] = saved - Epsilon;
            double minus = loss();
            parameters[p] = saved;
            double numeric = (plus - minus) / (2 * Epsilon);
            Assert.True(Math.Abs(numeric - analytic[p]) <= 2e-3 + 2e-2 * Math.Abs(numeric),
                $"parameter {p}: analytic {analytic[p]}, numeric {numeric}");
        }
    }

    [Fact]
    public void StackedCells_BackwardMatchesFiniteDifferences_ForEveryParameter()
    {
        var net = new RecurrentGradientCheckNet();
        int[] tokens = Tokens(RecurrentGradientCheckNet.BatchSize * RecurrentGradientCheckNet.InputSize, 5, 3);
        int[] labels = Tokens(RecurrentGradientCheckNet.BatchSize * RecurrentGradientCheckNet.OutputSteps, 5, 4);
        // Sharper parameters than the default init, so every gate sees gradients well above the float noise.
        var rng = new Rng(2);
        foreach (ref float p in net.Parameters) p *= 1.5f + 0.5f * rng.NextUniform(-1, 1);

        CheckGradients(() =>
        {
            net.ComputeGradients(tokens, labels);
            return net.Gradients.ToArray();
        }, () => net.ComputeLoss(tokens, labels), net.Parameters);
    }

    [Fact]
    public void LastStateOnly_BackwardMatchesFiniteDifferences_ForEveryParameter()
    {
        var net = new LastStateGradientCheckNet();
        var rng = new Rng(6);
        var inputs = new float[LastStateGradientCheckNet.BatchSize * LastStateGradientCheckNet.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = rng.NextUniform(-1, 1);
        int[] labels = [2, 0];

        ReadOnlySpan<float> logits = net.Forward(inputs);
        var dlogits = new float[logits.Length];
        NetGen.Kernels.Losses.SoftmaxCrossEntropy(logits, labels, dlogits, LastStateGradientCheckNet.BatchSize, LastStateGradientCheckNet.OutputSize);
        CheckGradients(() =>
        {
            net.ZeroGradients();
            net.Forward(inputs);
            net.Backward(inputs, dlogits);
            return net.Gradients.ToArray();
        }, () => net.Evaluate(inputs, labels).Loss, net.Parameters);
    }

    [Fact]
    public void Stateful_TwoCallsOfThreeSteps_EqualOneCallOfSix()
    {
        var shortNet = new StatefulShortNet();
        var longNet = new StatefulLongNet();
        Assert.Equal(StatefulShortNet.ParameterCount, StatefulLongNet.ParameterCount);
        shortNet.Parameters.CopyTo(longNet.Parameters);
        int[] tokens = Tokens(2 * 6, 6, 8);

        float[] expected = longNet.Forward(tokens).ToArray();   // [2, 6, 6]
        for (int half = 0; half < 2; half++)
        {
            var chunk = new int[2 * 3];
            for (int b = 0; b < 2; b++) tokens.AsSpan(b * 6 + half * 3, 3).CopyTo(chunk.AsSpan(b * 3));
            float[] outputs = shortNet.Forward(chunk).ToArray();   // [2, 3, 6]
            for (int b = 0; b < 2; b++)
            {
                for (int i = 0; i < 3 * 6; i++)
                {
                    Assert.Equal(expected[b * 36 + half * 18 + i], outputs[b * 18 + i], 5);
                }
            }
        }

        // ResetState starts over: the first chunk gives the first half again.
        shortNet.ResetState();
        var first = new int[2 * 3];
        for (int b = 0; b < 2; b++) tokens.AsSpan(b * 6, 3).CopyTo(first.AsSpan(b * 3));
        Assert.Equal(expected[0], shortNet.Forward(first)[0], 5);
    }

    [Fact]
    public void TrainStep_AllocatesNothing()
    {
        var net = new StatefulShortNet();
        int[] tokens = Tokens(StatefulShortNet.BatchSize * StatefulShortNet.InputSize, 6, 1);
        int[] labels = Tokens(StatefulShortNet.BatchSize * StatefulShortNet.OutputSteps, 6, 2);
        for (int i = 0; i < 3; i++) net.TrainStep(tokens, labels);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) net.TrainStep(tokens, labels);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Lstm_LearnsToRecallTheFirstTokenTenStepsLater()
    {
        // Inputs: a key token in [0, 4) then 9 distractors in [4, 8); label: the key. Chance is 25%.
        const int Steps = 10, Samples = 256;
        var rng = new Rng(5);
        var tokens = new int[Samples * Steps];
        var labels = new int[Samples];
        for (int s = 0; s < Samples; s++)
        {
            labels[s] = rng.NextInt(4);
            tokens[s * Steps] = labels[s];
            for (int t = 1; t < Steps; t++) tokens[s * Steps + t] = 4 + rng.NextInt(4);
        }

        var net = new RecallLstmNet();
        Evaluation result = net.Evaluate(tokens, labels);
        for (int epoch = 0; epoch < 15 && result.Accuracy <= 0.95; epoch++)
        {
            for (int start = 0; start < Samples; start += RecallLstmNet.BatchSize)
            {
                net.TrainStep(tokens.AsSpan(start * Steps, RecallLstmNet.BatchSize * Steps), labels.AsSpan(start, RecallLstmNet.BatchSize));
            }

            result = net.Evaluate(tokens, labels);
        }

        Assert.True(result.Accuracy > 0.95, $"recall accuracy {result.Accuracy:P1}, loss {result.Loss}");
        Assert.True(net.Lstm1StepGradientNorms[0] > 0, "the first step receives gradient");
    }
}
