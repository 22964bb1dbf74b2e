namespace NetGen.Tests.Attention;

/// <summary>
/// Plain double-precision multi-head self-attention on a fused q|k|v buffer, written as the formulas read: the oracle
/// that the fast kernels in src/NetGen/Kernels/Attention.cs are checked against.
/// </summary>
internal static class AttentionReference
{
    // y[b,i,h·hs + e] = Σ_j a[b,h,i,j]·v[b,j,h·hs + e];  a = softmax_j(q_i·k_j / sqrt(hs)) (j <= i when causal) · mask
    /// <summary>y[B, T, H·hs] from qkv[B, T, 3·H·hs]; <paramref name="mask"/>[B, H, T, T] multiplies the probabilities (null: none).</summary>
    public static double[] Forward(double[] qkv, int batch, int steps, int heads, int headSize, bool causal, double[]? mask = null)
    {
        int width = heads * headSize, stride = 3 * width;
        var y = new double[batch * steps * width];
        double scale = 1.0 / Math.Sqrt(headSize);
        var p = new double[steps];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < steps; i++)
                {
                    int length = causal ? i + 1 : steps;
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < length; j++)
                    {
                        double s = 0;
                        for (int e = 0; e < headSize; e++)
                            s += qkv[(b * steps + i) * stride + h * headSize + e] * qkv[(b * steps + j) * stride + width + h * headSize + e];
                        p[j] = s * scale;
                        max = Math.Max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < length; j++) sum += p[j] = Math.Exp(p[j] - max);
                    for (int j = 0; j < length; j++)
                    {
                        double a = p[j] / sum * (mask is null ? 1.0 : mask[((b * heads + h) * steps + i) * steps + j]);
                        for (int e = 0; e < headSize; e++)
                            y[(b * steps + i) * width + h * headSize + e] += a * qkv[(b * steps + j) * stride + 2 * width + h * headSize + e];
                    }
                }
        return y;
    }

    /// <summary>The dropout scales [B, H, T, T] that the kernel draws from <paramref name="seed"/> (0 above the diagonal when causal).</summary>
    public static double[] DropoutMask(ulong seed, float rate, int batch, int steps, int heads, bool causal)
    {
        var mask = new double[batch * heads * steps * steps];
        var row = new float[steps];
        for (int bh = 0; bh < batch * heads; bh++)
            for (int i = 0; i < steps; i++)
            {
                int length = causal ? i + 1 : steps;
                global::NetGen.Kernels.Attention.DropoutRow(seed, (long)bh * steps + i, rate, row.AsSpan(0, length));
                for (int j = 0; j < length; j++) mask[(bh * steps + i) * steps + j] = row[j];
            }
        return mask;
    }

    /// <summary>Σ y·weights: the scalar whose gradient with respect to qkv is the backward pass for dy = weights.</summary>
    public static double Objective(double[] qkv, double[] weights, int batch, int steps, int heads, int headSize, bool causal, double[]? mask = null)
    {
        double[] y = Forward(qkv, batch, steps, heads, headSize, causal, mask);
        double sum = 0;
        for (int n = 0; n < y.Length; n++) sum += y[n] * weights[n];
        return sum;
    }
}
