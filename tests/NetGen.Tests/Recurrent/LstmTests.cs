using NetGen.Kernels;

namespace NetGen.Tests.Recurrent;

public sealed class LstmTests : RecurrentCellTests<LstmCell>
{
    private static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    [Fact]
    public void SingleStep_FollowsPyTorchGateOrder_IFGO_ByHand()
    {
        // H = 2, I = 1, x = 1: each gate pre-activation is W_ih[row] + biases (+ W_hh h). PyTorch stacks the
        // rows as [i0 i1 f0 f1 g0 g1 o0 o1]. h = [0, 1] and W_hh[row i0, column 1] = 0.5 is the only
        // recurrent weight; b_ih[f1] = 0.2 and b_hh[o0] = -0.1 are the only biases.
        float[] weightIh = [-0.3f, -0.2f, -0.1f, 0f, 0.1f, 0.2f, 0.3f, 0.4f];
        float[] weightHh = new float[8 * 2];
        weightHh[0 * 2 + 1] = 0.5f;
        float[] biasIh = new float[8], biasHh = new float[8];
        biasIh[3] = 0.2f;
        biasHh[6] = -0.1f;
        float[] output = new float[2], finalHidden = new float[2], finalCell = new float[2];
        Lstm.Forward([1f], weightIh, weightHh, biasIh, biasHh, [0f, 1f], [0.3f, -0.2f], output, finalHidden, finalCell,
            new float[Lstm.CacheSize(1, 1, 1, 2)], 1, 1, 1, 2);

        // unit 0: i = s(-0.3 + 0.5), f = s(-0.1), g = tanh(0.1), o = s(0.3 - 0.1)
        double c0 = Sigmoid(-0.1) * 0.3 + Sigmoid(0.2) * Math.Tanh(0.1);
        double h0 = Sigmoid(0.2) * Math.Tanh(c0);
        // unit 1: i = s(-0.2), f = s(0 + 0.2), g = tanh(0.2), o = s(0.4)
        double c1 = Sigmoid(0.2) * -0.2 + Sigmoid(-0.2) * Math.Tanh(0.2);
        double h1 = Sigmoid(0.4) * Math.Tanh(c1);
        Assert.Equal(c0, finalCell[0], 6);
        Assert.Equal(c1, finalCell[1], 6);
        Assert.Equal(h0, output[0], 6);
        Assert.Equal(h1, output[1], 6);
        Assert.Equal(output, finalHidden);
    }
}
