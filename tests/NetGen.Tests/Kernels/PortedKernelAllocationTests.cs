using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Tests.Kernels;

/// <summary>
/// The optimizers, losses and autoencoder layers of issue 23 allocate nothing after a warm-up call, as every kernel of
/// a training step must (AllocationTests holds the older ones); the optimizers also on a buffer large enough to split
/// across the worker pool.
/// </summary>
public class PortedKernelAllocationTests
{
    [Fact]
    public void Issue23Kernels_DoNotAllocate()
    {
        const int batch = 3, outputs = 13, classes = 7;
        float[] x = Numerics.Random(batch * outputs, 1), t = Numerics.Random(batch * outputs, 2, 0, 1), d = new float[batch * outputs];
        float[] p = Numerics.Random(batch * outputs, 3, 0.1f, 0.9f), pw = Numerics.Random(outputs, 4, 0.5f, 2f);
        float[] logits = Numerics.Random(batch * classes, 5), dlogits = new float[batch * classes], weights = Numerics.Random(classes, 6, 0.5f, 2f);
        int[] labels = [1, -100, 6];
        const int large = ElementwiseSplit.ParallelThreshold + 100;
        float[] w = Numerics.Random(large, 7), g = Numerics.Random(large, 8), s1 = new float[large], s2 = new float[large];
        double muProduct = 1.0;
        // Autoencoder layers: 2 samples of 3 channels at 5x4, upsampled x2, and a transposed convolution back to 2 channels.
        float[] image = Numerics.Random(2 * 3 * 5 * 4, 9), up = new float[2 * 3 * 10 * 8], dimage = new float[image.Length];
        float[] kernel = Numerics.Random(3 * 2 * 3 * 3, 10), bias = new float[2], dkernel = new float[kernel.Length], dbias = new float[2];
        float[] decoded = new float[2 * 2 * 10 * 8], scratch = new float[Conv2DTranspose.ScratchSize(5, 4, 2, 3, 3)];

        void All()
        {
            BinaryLosses.BinaryCrossEntropy(p, t, d, batch, outputs);
            BinaryLosses.BinaryCrossEntropyWithLogits(x, t, d, batch, outputs, pw);
            RegressionLosses.MeanAbsoluteError(x, t, d, batch, outputs);
            RegressionLosses.Huber(x, t, d, batch, outputs, 0.5f);
            RegressionLosses.SmoothL1(x, t, d, batch, outputs, 0.5f);
            ClassificationLosses.NegativeLogLikelihood(logits, labels, dlogits, batch, classes, weights);
            ClassificationLosses.CrossEntropy(logits, labels, dlogits, batch, classes, weights, labelSmoothing: 0.1f);
            Adadelta.Step(w, g, s1, s2, 1.0, 0.9, 1e-6, 0.0);
            muProduct = 1.0;
            NAdam.Step(w, g, s1, s2, ref muProduct, 1, 2e-3, 0.9, 0.999, 1e-8, 0.0, 4e-3, true);
            RAdam.Step(w, g, s1, s2, 7, 1e-3, 0.9, 0.999, 1e-8, 0.01, false);
            Lion.Step(w, g, s1, 1e-4, 0.9, 0.99, 0.1);
            UpSampling2D.NearestForward(image, up, 2, 3, 5, 4, 2, 2);
            UpSampling2D.NearestBackward(up, dimage, 2, 3, 5, 4, 2, 2);
            UpSampling2D.BilinearForward(image, up, 2, 3, 5, 4, 2, 2);
            UpSampling2D.BilinearBackward(up, dimage, 2, 3, 5, 4, 2, 2);
            Conv2DTranspose.Forward(image, kernel, bias, decoded, scratch, 2, 3, 5, 4, 2, 3, 3, 2, 2, 1, 1, 1, 1);
            Conv2DTranspose.Backward(decoded, image, kernel, dimage, dkernel, dbias, scratch, 2, 3, 5, 4, 2, 3, 3, 2, 2, 1, 1, 1, 1);
        }

        All();
        Assert.Equal(0, SteadyAllocation.Bytes(All));
    }
}
