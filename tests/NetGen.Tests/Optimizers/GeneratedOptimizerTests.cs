using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using NetGen.Tests.Attention;
using NetGen.Tests.Data;
using Xunit.Abstractions;
using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Optimizers;

[Network(BatchSize = 4, Seed = 3)]
[Input(3)]
[Dense(5, Activation.Tanh)]
[Dense(2)]
[SoftmaxCrossEntropy]
[Adadelta(WeightDecay = 0.01)]
public partial class AdadeltaNet;

[Network(BatchSize = 4, Seed = 3)]
[Input(3)]
[Dense(5, Activation.Tanh)]
[Dense(2)]
[SoftmaxCrossEntropy]
[NAdam(LearningRate = 1e-2, WeightDecay = 0.01)]
public partial class NAdamNet;

[Network(BatchSize = 4, Seed = 3)]
[Input(3)]
[Dense(5, Activation.Tanh)]
[Dense(2)]
[SoftmaxCrossEntropy]
[RAdam(LearningRate = 1e-2, WeightDecay = 0.01)]
public partial class RAdamNet;

[Network(BatchSize = 4, Seed = 3)]
[Input(3)]
[Dense(5, Activation.Tanh)]
[Dense(2)]
[SoftmaxCrossEntropy]
[Lion(LearningRate = 1e-3, WeightDecay = 0.1)]
public partial class LionNet;

/// <summary>A theory that needs python3 with torch: skipped, saying how to install it, only when it is absent.</summary>
public sealed class PythonTorchTheoryAttribute : TheoryAttribute
{
    public PythonTorchTheoryAttribute()
    {
        if (AttentionTorchTests.Python.Value is null) Skip = PythonTorchFactAttribute.SkipReason;
    }
}

/// <summary>
/// [Adadelta], [NAdam], [RAdam] and [Lion] through generated networks: OptimizerStep against each update rule written
/// out in double, a training run whose loss falls, a checkpoint round trip (PyTorch's state names, and NAdam's mu
/// product, which lives beside the step count, recomputed from the loaded step), a failed step that changes nothing,
/// and 5 steps against torch.optim (the paper's reference code for Lion) where python3 with torch is installed.
/// </summary>
public sealed class GeneratedOptimizerTests(ITestOutputHelper output)
{
    /// <summary>One declared network, seen through INetwork plus the members INetwork lacks.</summary>
    public sealed record Declared(string Kind, Func<INetwork<int>> Create, Action<INetwork<int>, string> Save, Action<INetwork<int>, string> Load,
        Func<INetwork<int>, int> Steps, string[] StateNames, double LearningRate, double WeightDecay);

    private static readonly Dictionary<string, Declared> Networks = new Declared[]
    {
        new("Adadelta", () => new AdadeltaNet(), (n, p) => ((AdadeltaNet)n).SaveCheckpoint(p), (n, p) => ((AdadeltaNet)n).LoadCheckpoint(p),
            n => ((AdadeltaNet)n).StepCount, ["square_avg", "acc_delta"], 1.0, 0.01),
        new("NAdam", () => new NAdamNet(), (n, p) => ((NAdamNet)n).SaveCheckpoint(p), (n, p) => ((NAdamNet)n).LoadCheckpoint(p),
            n => ((NAdamNet)n).StepCount, ["exp_avg", "exp_avg_sq"], 1e-2, 0.01),
        new("RAdam", () => new RAdamNet(), (n, p) => ((RAdamNet)n).SaveCheckpoint(p), (n, p) => ((RAdamNet)n).LoadCheckpoint(p),
            n => ((RAdamNet)n).StepCount, ["exp_avg", "exp_avg_sq"], 1e-2, 0.01),
        new("Lion", () => new LionNet(), (n, p) => ((LionNet)n).SaveCheckpoint(p), (n, p) => ((LionNet)n).LoadCheckpoint(p),
            n => ((LionNet)n).StepCount, ["exp_avg"], 1e-3, 0.1),
    }.ToDictionary(d => d.Kind);

    public static TheoryData<string> Kinds => new() { "Adadelta", "NAdam", "RAdam", "Lion" };

    // 16 samples of a linearly separable task: class 1 where x0 + x1 - x2 > 0.
    private static readonly float[] AllInputs = Random(16 * 3, 71, -1, 1);
    private static readonly int[] AllLabels = Enumerable.Range(0, 16).Select(i => AllInputs[3 * i] + AllInputs[3 * i + 1] - AllInputs[3 * i + 2] > 0 ? 1 : 0).ToArray();

    private static (float[] Inputs, int[] Labels) Batch(int step) =>
        (AllInputs.AsSpan(3 * 4 * (step % 4), 12).ToArray(), AllLabels.AsSpan(4 * (step % 4), 4).ToArray());

    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8, MomentumDecay = 4e-3;

    /// <summary>The declared update in double on flat buffers, fed the generated network's float gradients.</summary>
    private sealed class Reference(string kind, double[] p, double lr, double wd)
    {
        private readonly double[] _m = new double[p.Length], _v = new double[p.Length];
        private double _muProduct = 1.0;
        private int _step;

        public double[] P => p;
        public double[] First => _m;
        public double[] Second => _v;

        public void Step(float[] grad)
        {
            _step++;
            int t = _step;
            switch (kind)
            {
                case "Adadelta":
                {
                    const double rho = 0.9, eps = 1e-6;
                    for (int i = 0; i < p.Length; i++)
                    {
                        double g = grad[i] + wd * p[i];
                        _m[i] = rho * _m[i] + (1 - rho) * g * g;
                        double d = Math.Sqrt(_v[i] + eps) / Math.Sqrt(_m[i] + eps) * g;
                        _v[i] = rho * _v[i] + (1 - rho) * d * d;
                        p[i] -= lr * d;
                    }
                    break;
                }
                case "NAdam":
                {
                    double mu = Beta1 * (1 - 0.5 * Math.Pow(0.96, t * MomentumDecay)), muNext = Beta1 * (1 - 0.5 * Math.Pow(0.96, (t + 1) * MomentumDecay));
                    _muProduct *= mu;
                    double productNext = _muProduct * muNext;
                    for (int i = 0; i < p.Length; i++)
                    {
                        double g = grad[i] + wd * p[i];
                        _m[i] = Beta1 * _m[i] + (1 - Beta1) * g;
                        _v[i] = Beta2 * _v[i] + (1 - Beta2) * g * g;
                        double d = Math.Sqrt(_v[i] / (1 - Math.Pow(Beta2, t))) + Epsilon;
                        p[i] -= lr * (1 - mu) / (1 - _muProduct) * g / d + lr * muNext / (1 - productNext) * _m[i] / d;
                    }
                    break;
                }
                case "RAdam":
                {
                    double rhoInfinity = 2 / (1 - Beta2) - 1, rhoT = rhoInfinity - 2 * t * Math.Pow(Beta2, t) / (1 - Math.Pow(Beta2, t));
                    for (int i = 0; i < p.Length; i++)
                    {
                        double g = grad[i] + wd * p[i];
                        _m[i] = Beta1 * _m[i] + (1 - Beta1) * g;
                        _v[i] = Beta2 * _v[i] + (1 - Beta2) * g * g;
                        double mHat = _m[i] / (1 - Math.Pow(Beta1, t));
                        if (rhoT > 5)
                        {
                            double r = Math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rhoT));
                            p[i] -= lr * mHat * r * Math.Sqrt(1 - Math.Pow(Beta2, t)) / (Math.Sqrt(_v[i]) + Epsilon);
                        }
                        else
                        {
                            p[i] -= lr * mHat;
                        }
                    }
                    break;
                }
                default:   // Lion: β1 = 0.9, β2 = 0.99, decoupled decay
                    for (int i = 0; i < p.Length; i++)
                    {
                        double c = 0.9 * _m[i] + 0.1 * grad[i];
                        p[i] = p[i] * (1 - lr * wd) - lr * Math.Sign(c);
                        _m[i] = 0.99 * _m[i] + 0.01 * grad[i];
                    }
                    break;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void OptimizerStep_MatchesTheUpdateRule(string kind)
    {
        Declared declared = Networks[kind];
        INetwork<int> net = declared.Create();
        var reference = new Reference(kind, ToDouble(net.Parameters.ToArray()), net.CurrentLearningRate, declared.WeightDecay);
        int n = net.ParameterCount;
        for (int step = 0; step < 8; step++)   // 8: past RAdam's first five (unrectified) steps
        {
            var (inputs, labels) = Batch(step);
            net.ComputeGradients(inputs, labels);
            float[] gradients = net.Gradients.ToArray();
            net.OptimizerStep();
            reference.Step(gradients);
            AssertClose(reference.P, net.Parameters, 1e-6, 1e-5, $"{kind} parameters after step {step + 1}");
            AssertClose(reference.First, net.OptimizerState.Slice(0, n), 1e-7, 1e-5, $"{kind} {declared.StateNames[0]} after step {step + 1}");
            if (declared.StateNames.Length > 1)
                AssertClose(reference.Second, net.OptimizerState.Slice(n, n), 1e-7, 1e-5, $"{kind} {declared.StateNames[1]} after step {step + 1}");
        }
        Assert.Equal(8, declared.Steps(net));
        Assert.Equal(declared.LearningRate, net.CurrentLearningRate, 1e-9);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Training_LowersTheLoss(string kind)
    {
        INetwork<int> net = Networks[kind].Create();
        float Loss() => Enumerable.Range(0, 4).Average(b => net.ComputeLoss(Batch(b).Inputs, Batch(b).Labels));
        float before = Loss();
        for (int step = 0; step < 400; step++) net.TrainStep(Batch(step).Inputs, Batch(step).Labels);
        float after = Loss();
        output.WriteLine($"{kind}: loss {before} -> {after} after 400 steps");
        Assert.True(after < 0.5f * before, $"{kind}: loss {before} -> {after} after 400 steps.");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Checkpoint_RoundTripsTheStateUnderPyTorchsNames_AndTheNextStepsAreTheSame(string kind)
    {
        Declared declared = Networks[kind];
        INetwork<int> trained = declared.Create();
        for (int step = 0; step < 7; step++) trained.TrainStep(Batch(step).Inputs, Batch(step).Labels);
        using var folder = new TemporaryFolder();
        string path = folder.File("net.safetensors");
        declared.Save(trained, path);

        string[] names = TensorNames(path);
        foreach (string state in declared.StateNames)
            foreach (string tensor in new[] { "dense1.weight", "dense1.bias", "dense2.weight", "dense2.bias" })
                Assert.Contains($"optimizer.{state}.{tensor}", names);
        Assert.Equal(4 + 4 * declared.StateNames.Length, names.Count(n => n != "__metadata__"));

        INetwork<int> loaded = declared.Create();
        declared.Load(loaded, path);
        Assert.Equal(7, declared.Steps(loaded));
        Assert.Equal(trained.Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.Equal(trained.OptimizerState.ToArray(), loaded.OptimizerState.ToArray());
        for (int step = 7; step < 12; step++)
        {
            trained.TrainStep(Batch(step).Inputs, Batch(step).Labels);
            loaded.TrainStep(Batch(step).Inputs, Batch(step).Labels);
        }
        // Bit for bit: NAdam's mu product, recomputed from the loaded step count, is the one the steps carried.
        Assert.Equal(trained.Parameters.ToArray(), loaded.Parameters.ToArray());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AFailedStepAndAReset_LeaveTheOptimizerAsIfTheyHadNotHappened(string kind)
    {
        Declared declared = Networks[kind];
        INetwork<int> plain = declared.Create(), failing = declared.Create();
        float[] bad = Batch(0).Inputs;
        bad[4] = float.PositiveInfinity;
        for (int step = 0; step < 3; step++) failing.TrainStep(Batch(step).Inputs, Batch(step).Labels);
        failing.ResetParameters(3);   // clears the state, NAdam's mu product included
        for (int step = 0; step < 6; step++)
        {
            plain.TrainStep(Batch(step).Inputs, Batch(step).Labels);
            if (step == 2) Assert.Throws<NonFiniteLossException>(() => failing.TrainStep(bad, Batch(0).Labels));
            failing.TrainStep(Batch(step).Inputs, Batch(step).Labels);
        }
        Assert.Equal(6, declared.Steps(failing));
        Assert.Equal(plain.Parameters.ToArray(), failing.Parameters.ToArray());
    }

    // torch.optim on one flat parameter tensor, fed NetGen's gradients: the 5-step trajectory and the state buffers.
    // Lion is not in torch.optim: it runs the paper's reference step (google/automl lion_pytorch.py) in torch ops.
    // NAdam before PyTorch 2.0: the single-tensor path multiplies mu_t into mu_product_next twice (mu_product * mu *
    // mu_next; 1.6e-4 off in the parameters after 5 steps here), which 2.0 fixed; the foreach path of 1.13 has the
    // published rule (mu_product * mu_next), so 1.x is run with foreach=True.
    private const string Script = """
        import sys, numpy as np, torch
        folder, kind, n, steps, lr, wd = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
        p = torch.nn.Parameter(torch.from_numpy(np.fromfile(folder + "/p0.bin", dtype=np.float32)))
        grads = np.fromfile(folder + "/grads.bin", dtype=np.float32).reshape(steps, n)
        if kind == "Adadelta": opt = torch.optim.Adadelta([p], lr=lr, weight_decay=wd)
        elif kind == "NAdam": opt = torch.optim.NAdam([p], lr=lr, weight_decay=wd, foreach=torch.__version__ < "2")
        elif kind == "RAdam": opt = torch.optim.RAdam([p], lr=lr, weight_decay=wd)
        else: exp_avg = torch.zeros_like(p)
        with torch.no_grad():
            for t in range(steps):
                g = torch.from_numpy(grads[t].copy())
                if kind == "Lion":
                    p.mul_(1 - lr * wd)
                    update = exp_avg.clone().mul_(0.9).add(g, alpha=1 - 0.9).sign_()
                    p.add_(update, alpha=-lr)
                    exp_avg.mul_(0.99).add_(g, alpha=1 - 0.99)
                else:
                    p.grad = g
                    opt.step()
        p.detach().numpy().tofile(folder + "/p.bin")
        if kind == "Lion": states = [exp_avg]
        else:
            state = opt.state[p]
            states = [state[k] for k in (["square_avg", "acc_delta"] if kind == "Adadelta" else ["exp_avg", "exp_avg_sq"])]
        torch.cat([s.reshape(-1) for s in states]).numpy().astype(np.float32).tofile(folder + "/state.bin")
        print(torch.__version__)
        """;

    [PythonTorchTheory]
    [InlineData("Adadelta", 5)]
    [InlineData("NAdam", 5)]
    [InlineData("RAdam", 5)]
    [InlineData("RAdam", 8)]   // RAdam's first five steps are SGD with momentum; steps 6-8 are rectified
    [InlineData("Lion", 5)]
    public void Steps_MatchPyTorch(string kind, int steps)
    {
        Declared declared = Networks[kind];
        INetwork<int> net = declared.Create();
        int n = net.ParameterCount;
        float[] p0 = net.Parameters.ToArray(), grads = new float[steps * n];
        for (int step = 0; step < steps; step++)
        {
            net.ComputeGradients(Batch(step).Inputs, Batch(step).Labels);
            net.Gradients.CopyTo(grads.AsSpan(step * n, n));
            net.OptimizerStep();
        }

        using var folder = new TemporaryFolder();
        File.WriteAllBytes(folder.File("p0.bin"), MemoryMarshal.AsBytes(p0.AsSpan()).ToArray());
        File.WriteAllBytes(folder.File("grads.bin"), MemoryMarshal.AsBytes(grads.AsSpan()).ToArray());
        int exit = AttentionTorchTests.RunPython(AttentionTorchTests.Python.Value!, ["-c", Script, folder.FullPath, kind, $"{n}", $"{steps}",
            declared.LearningRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            declared.WeightDecay.ToString("R", System.Globalization.CultureInfo.InvariantCulture)], out string text);
        Assert.True(exit == 0, $"python3 failed ({exit}): {text}");
        float[] torchP = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(folder.File("p.bin"))).ToArray();
        float[] torchState = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(folder.File("state.bin"))).ToArray();
        float[] p = net.Parameters.ToArray(), state = net.OptimizerState.ToArray();
        double parameterDifference = Enumerable.Range(0, n).Max(i => Math.Abs((double)p[i] - torchP[i]));
        double stateDifference = Enumerable.Range(0, torchState.Length).Max(i => Math.Abs((double)state[i] - torchState[i]));
        output.WriteLine($"{kind} against torch {text.Trim()}: max |parameter difference| {parameterDifference:E2}, max |state difference| {stateDifference:E2} (after {steps} steps)");
        AssertClose(torchP, p, 1e-6, 1e-5, $"{kind} parameters against torch {text.Trim()}");
        AssertClose(torchState, state, 1e-7, 1e-5, $"{kind} state against torch {text.Trim()}");
    }

    /// <summary>The tensor names in a safetensors file's JSON header.</summary>
    private static string[] TensorNames(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        using JsonDocument header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, length));
        return header.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
    }
}
