using NetGen.Initialization;
using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Tests.Kernels;

/// <summary>A training step must not allocate: every kernel, after a warm-up call, allocates 0 managed bytes.</summary>
public class AllocationTests
{
    [Fact]
    public void Kernels_DoNotAllocate()
    {
        const int batch = 3, inputs = 13, units = 11, size = batch * units;
        float[] x = Kernels.Numerics.Random(batch * inputs, 1), w = Kernels.Numerics.Random(units * inputs, 2), b = new float[units];
        float[] y = new float[size], dy = Kernels.Numerics.Random(size, 3), dx = new float[batch * inputs], dw = new float[units * inputs], db = new float[units];
        float[] a = new float[size], mask = new float[size], m = new float[units], v = new float[units], stats = new float[units], stats2 = new float[units];
        float[] rowStats = new float[batch], rowStats2 = new float[batch], pm = new float[units * inputs], pv = new float[units * inputs];
        int[] labels = [1, 0, 10];
        var rng = new Rng(1);

        void All()
        {
            Dense.Forward(x, w, b, y, batch, inputs, units);
            Dense.Backward(dy, x, w, dx, dw, db, batch, inputs, units);
            Activations.GeluForward(y, a);
            Activations.GeluBackward(y, a, dy, a);
            Activations.EluForward(y, a, 1f);
            Activations.SoftplusBackward(y, a, dy, a);
            Activations.SoftmaxForward(y, a, batch, units);
            Activations.SoftmaxBackward(a, dy, a, batch, units);
            Losses.SoftmaxCrossEntropy(y, labels, a, batch, units);
            Losses.MeanSquaredError(y, dy, a, batch, units);
            Losses.CountCorrect(y, labels, batch, units);
            Dropout.Forward(y, a, mask, 0.5f, ref rng);
            Dropout.Backward(mask, dy, a);
            BatchNorm.ForwardTraining(y, b, b, a, m, v, stats, stats2, 0.1f, 1e-5f, batch, units, 1);
            BatchNorm.Backward(dy, y, b, m, v, a, stats, stats2, batch, units, 1);
            BatchNorm.ForwardTraining(y, b, b, a, m, v, stats, stats2, 0.1f, 1e-5f, batch, 1, units);
            LayerNorm.Forward(y, b, b, a, rowStats, rowStats2, batch, units, 1e-5f);
            LayerNorm.Backward(dy, y, b, rowStats, rowStats2, a, stats, stats2, batch, units);
            Regularization.ClipByGlobalNorm(dw, 1f);
            Sgd.Step(w, dw, pm, 0.01f, 0.9f, 0f, true);
            Adam.Step(w, dw, pm, pv, [], 1, 0.001f, 0.9f, 0.999f, 1e-8f, 0.01f, true);
            RmsProp.Step(w, dw, pm, pv, [], 0.001f, 0.99f, 1e-8f, 0f, 0.5f, false);
            Adagrad.Step(w, dw, pv, 1, 0.01f, 0f, 0f, 1e-10f);
        }

        All();
        Assert.Equal(0, SteadyAllocation.Bytes(All));
    }
}
