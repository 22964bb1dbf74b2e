using NetGen.Kernels;

namespace NetGen.Tests.Performance;

/// <summary>
/// The recurrent step product (<c>Gemm.SmallNN</c>: strided rows, no packing) against a double-precision triple loop,
/// on shapes that leave partial row tiles, partial 2-vector column blocks, single-vector blocks and scalar column tails,
/// with row strides wider than the rows, on both vector widths.
/// </summary>
public class GemmSmallTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 32, 128, 32 },   // the recall LSTM's forward step: whole tiles only
        { 32, 32, 128 },   // its backward step
        { 32, 512, 128 },  // the character LSTM's forward step
        { 9, 33, 5 },      // one row past a tile, one column past a block of 32
        { 7, 17, 3 },      // fewer rows than a tile; 16 + 1 columns
        { 1, 1, 1 },
        { 15, 47, 17 },    // 32 + 8 + 7 columns: every column path of both widths
        { 8, 8, 0 },       // no depth: C is cleared (or kept)
        { 16, 40, 9 },     // a thread's half of 32 rows: Vector256 tiles of 6, 6 and 4 rows
        { 10, 16, 4 },     // Vector256 tiles of 6 and 4 rows
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SmallNN_MatchesDoubleReference_WithStridedRows_OnBothVectorWidths(int m, int n, int k)
    {
        int lda = k + 3, ldb = n + 5, ldc = n + 2;
        var rng = new Rng((ulong)(m * 10007 + n * 101 + k));
        float[] a = Random(ref rng, Math.Max(1, m * lda)), b = Random(ref rng, Math.Max(1, k * ldb)), initial = Random(ref rng, m * ldc);
        foreach (bool vector256 in new[] { false, true })
        {
            foreach (bool accumulate in new[] { false, true })
            {
                float[] c = (float[])initial.Clone();
                try
                {
                    Gemm.ForceVector256 = vector256;
                    Gemm.SmallNN(a, lda, b, ldb, c, ldc, m, n, k, accumulate);
                }
                finally
                {
                    Gemm.ForceVector256 = false;
                }
                for (int i = 0; i < m; i++)
                {
                    for (int j = 0; j < ldc; j++)
                    {
                        float actual = c[i * ldc + j];
                        if (j >= n)
                        {
                            Assert.Equal(initial[i * ldc + j], actual);   // the padding between rows is left alone
                            continue;
                        }
                        double expected = accumulate ? initial[i * ldc + j] : 0.0, bound = accumulate ? Math.Abs(initial[i * ldc + j]) : 0.0;
                        for (int p = 0; p < k; p++)
                        {
                            double product = (double)a[i * lda + p] * b[p * ldb + j];
                            expected += product;
                            bound += Math.Abs(product);
                        }
                        // float FMA chains of k + 1 terms: |error| <= (k + 1) * 2^-24 * sum |terms| (plus a denormal floor)
                        double tolerance = (k + 2) * 6e-8 * bound + 1e-30;
                        Assert.True(Math.Abs(actual - expected) <= tolerance,
                            $"C[{i},{j}] {m}x{n}x{k} accumulate={accumulate} vector256={vector256}: {actual} vs {expected}");
                    }
                }
            }
        }
    }

    private static float[] Random(ref Rng rng, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = rng.NextGaussian();
        return values;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(8, 8)]
    [InlineData(3, 17)]
    [InlineData(17, 63)]
    [InlineData(512, 128)]   // the character LSTM's W_hh
    [InlineData(65, 129)]
    [InlineData(512, 7)]
    public void Transpose_MatchesElementLoop(int rows, int columns)
    {
        var rng = new Rng((ulong)(rows * 1009 + columns));
        float[] w = Random(ref rng, rows * columns), packed = new float[rows * columns];
        Gemm.Transpose(w, packed, rows, columns);
        for (int r = 0; r < rows; r++)
            for (int p = 0; p < columns; p++)
                Assert.Equal(w[r * columns + p], packed[p * rows + r]);
    }
}
