using NetGen.Kernels;

namespace NetGen.Tests.Recurrent;

public sealed class GruTests : RecurrentCellTests<GruCell>
{
    private static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    [Fact]
    public void SingleStep_FollowsPyTorchGateOrder_RZN_ResetInsideCandidate_ByHand()
    {
        // H = 2, I = 1, x = 1, h = [0.5, -0.5]. Rows are [r0 r1 z0 z1 n0 n1]. The only recurrent weight is
        // W_hh[row n0, column 1] = 0.8 and b_hh[n0] = 0.1, so W_hn h + b_hn = -0.4 + 0.1 = -0.3 for unit 0:
        // PyTorch multiplies that whole term, bias included, by r. b_ih[z1] = -0.5 is the only input bias.
        float[] weightIh = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f];
        float[] weightHh = new float[6 * 2];
        weightHh[4 * 2 + 1] = 0.8f;
        float[] biasIh = new float[6], biasHh = new float[6];
        biasHh[4] = 0.1f;
        biasIh[3] = -0.5f;
        float[] output = new float[2];
        Gru.Forward([1f], weightIh, weightHh, biasIh, biasHh, [0.5f, -0.5f], output, [], new float[Gru.CacheSize(1, 1, 2)], 1, 1, 1, 2);

        double r0 = Sigmoid(0.1), z0 = Sigmoid(0.3), n0 = Math.Tanh(0.5 + r0 * -0.3);
        double z1 = Sigmoid(0.4 - 0.5), n1 = Math.Tanh(0.6);   // unit 1: W_hn h + b_hn = 0, so r1 drops out
        Assert.Equal((1 - z0) * n0 + z0 * 0.5, output[0], 6);
        Assert.Equal((1 - z1) * n1 + z1 * -0.5, output[1], 6);
    }
}
