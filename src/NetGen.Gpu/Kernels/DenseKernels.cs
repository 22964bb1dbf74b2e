using ILGPU;

namespace NetGen.Gpu.Kernels;

/// <summary>
/// The part of a dense layer's backward that is not a matrix product: the bias gradient. The products are in
/// <see cref="MatrixMultiply"/>; the reference is <c>NetGen.Kernels.Dense.BackwardReference</c>.
/// </summary>
internal static class DenseKernels
{
    // dbias[N] += Σ_r doutput[r, n]   over doutput[rows, N]; one thread per column (neighbouring threads read neighbouring floats)
    /// <summary>Adds each column's sum over <paramref name="rows"/> rows to <paramref name="dbias"/>; thread <paramref name="index"/> handles columns index, index + stride, ...</summary>
    internal static void BiasBackward(Index1D index, ArrayView<float> doutput, ArrayView<float> dbias, int rows, int columns, int stride)
    {
        for (int column = index; column < columns; column += stride)
        {
            float sum = 0f;
            for (int row = 0; row < rows; row++) sum += doutput[(long)row * columns + column];
            dbias[column] += sum;
        }
    }
}
