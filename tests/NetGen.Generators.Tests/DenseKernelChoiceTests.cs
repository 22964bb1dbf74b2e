using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Tests;

/// <summary>
/// The build-time kernel choices for dense layers (Shapes/DenseKernelChoice.cs): which activations run in the product's
/// epilogue, and which layers may split their products across the cores, for the shapes of the MLP workloads.
/// </summary>
public class DenseKernelChoiceTests
{
    [Theory]
    [InlineData(ActivationKind.Identity, true)]
    [InlineData(ActivationKind.ReLU, true)]
    [InlineData(ActivationKind.Sigmoid, true)]
    [InlineData(ActivationKind.Tanh, true)]
    [InlineData(ActivationKind.LeakyReLU, false)]   // backward reads the pre-activation (and takes alpha)
    [InlineData(ActivationKind.ELU, false)]
    [InlineData(ActivationKind.GELU, false)]
    [InlineData(ActivationKind.GELUTanh, false)]
    [InlineData(ActivationKind.SiLU, false)]
    [InlineData(ActivationKind.Softplus, false)]
    public void FusesActivation_ExactlyThoseWhoseBackwardReadsOnlyTheOutput(ActivationKind kind, bool fuses) =>
        Assert.Equal(fuses, DenseKernelChoice.FusesActivation(new ActivationSpec(kind, double.NaN)));

    [Theory]
    [InlineData(64, 784, 256, true)]     // 12.8M multiply-adds: the small MLP's first layer
    [InlineData(64, 256, 128, true)]     // 2.1M
    [InlineData(64, 128, 10, false)]     // 82K: under 2^18, kept on one thread for good
    [InlineData(256, 1024, 10, true)]    // 2.6M: the big MLP's classifier
    [InlineData(8, 128, 255, false)]     // 261,120: just under 2^18 at 8 rows (packed path)
    [InlineData(8, 128, 256, true)]      // 2^18 exactly
    [InlineData(1, 784, 256, true)]      // one row: the row-dot threshold, 2^16
    [InlineData(1, 256, 128, false)]     // 32K multiply-adds: not worth waking a core for one sample
    [InlineData(4, 128, 128, true)]      // 65,536 = 2^16 at 4 rows
    public void Parallel_FollowsTheMultiplyAddsOfTheFullBatch(int rows, int inputs, int units, bool parallel) =>
        Assert.Equal(parallel, DenseKernelChoice.Parallel(rows, inputs, units));

    [Theory]
    [InlineData(64, 128, 10, true)]      // the small MLP's classifier: 82K multiply-adds, 10 units
    [InlineData(64, 84, 10, true)]       // LeNet-5's classifier
    [InlineData(16, 3, 8, true)]         // a regressor's hidden layer
    [InlineData(16, 8, 1, true)]         // one output
    [InlineData(64, 128, 16, true)]      // 16 units: one Vector512 row
    [InlineData(64, 64, 32, true)]       // 32 units: two blocks of 16, 131K multiply-adds
    [InlineData(64, 32, 33, false)]      // 33 units: the general kernels
    [InlineData(64, 128, 32, false)]     // 2^18 multiply-adds: split across the cores
    [InlineData(8, 1024, 16, true)]      // the most inputs, 131K multiply-adds
    [InlineData(1, 1025, 10, false)]     // past the inputs whose transposed weight fits the stack
    [InlineData(256, 1024, 10, false)]   // the big MLP's classifier: 2.6M multiply-adds, split across the cores
    public void SpecializedBackward_LayersOfAtMostThirtyTwoUnitsThatStayOnOneThread(int rows, int inputs, int units, bool specialized) =>
        Assert.Equal(specialized, DenseKernelChoice.SpecializedBackward(rows, inputs, units));

    [Theory]
    [InlineData(64, 128, 10, true)]      // the small MLP's classifier
    [InlineData(64, 128, 16, true)]      // one Vector512 of units
    [InlineData(64, 64, 17, false)]      // two blocks of units: the general forward, the specialized backward
    [InlineData(64, 64, 32, false)]
    [InlineData(256, 1024, 10, false)]   // split across the cores
    public void SpecializedForward_AtMostSixteenUnits(int rows, int inputs, int units, bool specialized)
    {
        Assert.Equal(specialized, DenseKernelChoice.SpecializedForward(rows, inputs, units));
        if (units <= 32 && rows * inputs * units < 1 << 18) Assert.True(DenseKernelChoice.SpecializedBackward(rows, inputs, units));
    }
}
