namespace NetGen.Gpu.Tests;

// The generated classes are partial, so the tests give them interfaces that their generated members already
// satisfy; one generic parity check then runs on every network.

public interface ICpuNetwork
{
    Span<float> Parameters { get; }
    Span<float> Gradients { get; }
    Span<float> OptimizerState { get; }
    ReadOnlySpan<float> Forward(ReadOnlySpan<float> inputs);
    void Predict(ReadOnlySpan<float> inputs, Span<float> outputs);
}

public interface IGpuNetwork : IDisposable
{
    void CopyParametersTo(Span<float> parameters);
    void CopyParametersFrom(ReadOnlySpan<float> parameters);
    void CopyGradientsTo(Span<float> gradients);
    void CopyOptimizerStateTo(Span<float> state);
    ReadOnlySpan<float> Forward(ReadOnlySpan<float> inputs);
    void Predict(ReadOnlySpan<float> inputs, Span<float> outputs);
}

public interface IClassifier
{
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels);
    Evaluation Evaluate(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels);
}

public interface IRegressor
{
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets);
    Evaluation Evaluate(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets);
}

public partial class ReluAdamNet : ICpuNetwork, IClassifier
{
    public sealed partial class Gpu : IGpuNetwork, IClassifier;
}

public partial class SigmoidTanhMomentumNet : ICpuNetwork, IClassifier
{
    public sealed partial class Gpu : IGpuNetwork, IClassifier;
}

public partial class TiledNet : ICpuNetwork, IClassifier
{
    public sealed partial class Gpu : IGpuNetwork, IClassifier;
}

public partial class TanhNesterovRegression : ICpuNetwork, IRegressor
{
    public sealed partial class Gpu : IGpuNetwork, IRegressor;
}

public partial class IdentityPlainSgdRegression : ICpuNetwork, IRegressor
{
    public sealed partial class Gpu : IGpuNetwork, IRegressor;
}

public partial class TileEdgeNet : ICpuNetwork, IClassifier
{
    public sealed partial class Gpu : IGpuNetwork, IClassifier;
}
