using NetGen.Kernels;

namespace NetGen.Tests.Recurrent;

public sealed class SimpleRnnTests : RecurrentCellTests<SimpleRnnCell>
{
    [Fact]
    public void SingleStep_FollowsPyTorchLayout_ByHand()
    {
        // PyTorch nn.RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh), W_ih [H, I], W_hh [H, H] (row = output unit).
        // H = 2, I = 1, x = 1, h = [0, 1]; W_hh[0, 1] = 0.5 is the only recurrent weight, so only unit 0 sees h[1].
        float[] weightIh = [0.2f, -0.4f], weightHh = [0f, 0.5f, 0f, 0f], biasIh = [0.1f, 0f], biasHh = [0f, 0.3f];
        float[] output = new float[2], cache = new float[SimpleRnn.CacheSize(1, 1, 2)];
        SimpleRnn.Forward([1f], weightIh, weightHh, biasIh, biasHh, [0f, 1f], output, [], cache, 1, 1, 1, 2);
        Assert.Equal(Math.Tanh(0.2 + 0.1 + 0.5), output[0], 6);   // unit 0: W_ih x + b_ih + W_hh[0,1] h[1]
        Assert.Equal(Math.Tanh(-0.4 + 0.3), output[1], 6);        // unit 1: W_ih x + b_hh
    }

    [Fact]
    public void StepGradientNorms_ShowVanishingGradients_AndLstmKeepsMoreThanSimpleRnn()
    {
        // Loss only on the last step of 30, PyTorch's default init U(-1/sqrt(H), 1/sqrt(H)), LSTM forget bias 1
        // (the usual setting). ||dL/dh_t|| shrinks going back in time; far less for the LSTM.
        const int batch = 4, steps = 30, size = 32;
        var shape = new RecurrentShape(batch, steps, size, size);
        float scale = 1f / MathF.Sqrt(size);
        double rnnRatio = FirstToLastNormRatio(new SimpleRnnCell(), shape, scale, forgetBias: 0f);
        double lstmRatio = FirstToLastNormRatio(new LstmCell(), shape, scale, forgetBias: 1f);
        Assert.True(rnnRatio < 1e-5, $"SimpleRnn keeps {rnnRatio} of the gradient norm after {steps} steps");
        Assert.True(lstmRatio > 1000 * rnnRatio, $"Lstm keeps {lstmRatio}, SimpleRnn {rnnRatio}");
    }

    [Fact]
    public void StepGradientNorms_AtLastStep_IsMeanNormOfLastOutputGradient()
    {
        var shape = new RecurrentShape(3, 4, 2, 5);
        var problem = RecurrentProblem.Create(shape, 1, false, seed: 9);
        var cell = new SimpleRnnCell();
        float[] cache = new float[cell.CacheSize(shape)];
        cell.Forward(false, problem, problem.InitialHidden, [], new float[3 * 4 * 5], [], [], cache);
        var gradients = new RecurrentGradients(problem);
        cell.Backward(false, problem, problem.OutputWeights, cache, gradients, new float[cell.ScratchSize(shape)]);
        double expected = 0;
        for (int b = 0; b < 3; b++)
        {
            double squares = 0;
            for (int j = 0; j < 5; j++) squares += Math.Pow(problem.OutputWeights[(b * 4 + 3) * 5 + j], 2);
            expected += Math.Sqrt(squares) / 3;
        }
        Assert.Equal(expected, gradients.StepNorms[3], 5);
    }

    private static double FirstToLastNormRatio(RecurrentCell cell, RecurrentShape shape, float scale, float forgetBias)
    {
        var problem = RecurrentProblem.Create(shape, cell.Gates, cell.HasCell, seed: 4, weightScale: scale);
        var random = new Random(8);
        Array.Copy(RecurrentProblem.Uniform(random, problem.BiasIh.Length, scale), problem.BiasIh, problem.BiasIh.Length);
        Array.Copy(RecurrentProblem.Uniform(random, problem.BiasHh.Length, scale), problem.BiasHh, problem.BiasHh.Length);
        if (cell.HasCell) problem.BiasIh.AsSpan(shape.Hidden, shape.Hidden).Fill(forgetBias);   // rows H..2H: forget gate
        float[] doutput = new float[problem.OutputWeights.Length];
        for (int b = 0; b < shape.Batch; b++)
        {
            int last = (b * shape.Steps + shape.Steps - 1) * shape.Hidden;
            Array.Copy(problem.OutputWeights, last, doutput, last, shape.Hidden);
        }
        float[] cache = new float[cell.CacheSize(shape)];
        cell.Forward(false, problem, problem.InitialHidden, problem.InitialCell, new float[doutput.Length], [], [], cache);
        var gradients = new RecurrentGradients(problem);
        cell.Backward(false, problem, doutput, cache, gradients, new float[cell.ScratchSize(shape)]);
        return gradients.StepNorms[0] / gradients.StepNorms[shape.Steps - 1];
    }
}
