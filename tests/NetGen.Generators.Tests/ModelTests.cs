using NetGen.Generators.Model;

namespace NetGen.Generators.Tests;

public class ModelTests
{
    [Fact]
    public void ActivationKind_MirrorsRuntimeEnum() => AssertMirrors<Activation, ActivationKind>();

    [Fact]
    public void WeightInitKind_MirrorsRuntimeEnum() => AssertMirrors<WeightInit, WeightInitKind>();

    [Fact]
    public void EquatableArray_ComparesByContent()
    {
        var a = EquatableArray.Create(1, 2, 3);
        var b = new[] { 1, 2, 3 }.ToEquatableArray();
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, EquatableArray.Create(1, 2));
        Assert.Equal(EquatableArray<int>.Empty, new int[0].ToEquatableArray());
    }

    [Fact]
    public void NetworkModel_HasValueEquality()
    {
        NetworkModel Make() => new("N", "C", 32, 0, EquatableArray.Create(4),
            EquatableArray.Create<LayerSpec>(new DenseSpec(0, 3, new ActivationSpec(ActivationKind.ReLU, double.NaN), WeightInitKind.Default, double.NaN, true, PenaltySpec.Inherit)),
            new LossSpec(LossKind.MeanSquaredError), new OptimizerSpec(OptimizerKind.Adam, 1e-3, 0, false, 0.9, 0.999, 1e-8, 0));
        Assert.Equal(Make(), Make());
        Assert.Equal(Make().GetHashCode(), Make().GetHashCode());
    }

    private static void AssertMirrors<TRuntime, TGenerator>() where TRuntime : struct, Enum where TGenerator : struct, Enum
    {
        var runtime = Enum.GetValues<TRuntime>().Select(v => (Enum.GetName(v), Convert.ToInt32(v))).ToArray();
        var generator = Enum.GetValues<TGenerator>().Select(v => (Enum.GetName(v), Convert.ToInt32(v))).ToArray();
        Assert.Equal(runtime, generator);
    }
}
