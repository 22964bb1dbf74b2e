using NetGen.Kernels;

namespace NetGen.Tests.Recurrent;

/// <summary>Sizes of one recurrent problem: input [B, T, I], hidden size H.</summary>
public sealed record RecurrentShape(int Batch, int Steps, int Input, int Hidden)
{
    public override string ToString() => $"B{Batch} T{Steps} I{Input} H{Hidden}";
}

/// <summary>Random inputs, parameters, initial state and loss weights for one cell and shape.</summary>
internal sealed record RecurrentProblem
{
    public required RecurrentShape Shape { get; init; }
    public required float[] Input { get; init; }
    public required float[] WeightIh { get; init; }
    public required float[] WeightHh { get; init; }
    public required float[] BiasIh { get; init; }
    public required float[] BiasHh { get; init; }
    public required float[] InitialHidden { get; init; }
    public required float[] InitialCell { get; init; }     // empty for cells without a cell state
    /// <summary>R in the objective L = sum(output * R); also the doutput handed to Backward.</summary>
    public required float[] OutputWeights { get; init; }

    public static RecurrentProblem Create(RecurrentShape shape, int gates, bool hasCell, int seed, float weightScale = 0.6f)
    {
        var random = new Random(seed);
        int rows = gates * shape.Hidden, state = shape.Batch * shape.Hidden;
        return new RecurrentProblem
        {
            Shape = shape,
            Input = Uniform(random, shape.Batch * shape.Steps * shape.Input, 1f),
            WeightIh = Uniform(random, rows * shape.Input, weightScale),
            WeightHh = Uniform(random, rows * shape.Hidden, weightScale),
            BiasIh = Uniform(random, rows, 0.3f),
            BiasHh = Uniform(random, rows, 0.3f),
            InitialHidden = Uniform(random, state, 0.8f),
            InitialCell = hasCell ? Uniform(random, state, 0.8f) : [],
            OutputWeights = Uniform(random, shape.Batch * shape.Steps * shape.Hidden, 1f),
        };
    }

    public static float[] Uniform(Random random, int count, float scale)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return values;
    }

    /// <summary>The tensors the finite differences perturb, in the order of <see cref="RecurrentGradients.All"/>.</summary>
    public float[][] Tensors() => InitialCell.Length == 0
        ? [Input, WeightIh, WeightHh, BiasIh, BiasHh, InitialHidden]
        : [Input, WeightIh, WeightHh, BiasIh, BiasHh, InitialHidden, InitialCell];

    public static readonly string[] TensorNames = ["input", "weightIh", "weightHh", "biasIh", "biasHh", "initialHidden", "initialCell"];
}

/// <summary>Every gradient Backward produces (full overload), preallocated.</summary>
internal sealed class RecurrentGradients
{
    public float[] Input, WeightIh, WeightHh, BiasIh, BiasHh, InitialHidden, InitialCell, StepNorms;

    public RecurrentGradients(RecurrentProblem problem)
    {
        Input = new float[problem.Input.Length];
        WeightIh = new float[problem.WeightIh.Length];
        WeightHh = new float[problem.WeightHh.Length];
        BiasIh = new float[problem.BiasIh.Length];
        BiasHh = new float[problem.BiasHh.Length];
        InitialHidden = new float[problem.InitialHidden.Length];
        InitialCell = new float[problem.InitialCell.Length];
        StepNorms = new float[problem.Shape.Steps];
    }

    public float[][] All() => InitialCell.Length == 0
        ? [Input, WeightIh, WeightHh, BiasIh, BiasHh, InitialHidden]
        : [Input, WeightIh, WeightHh, BiasIh, BiasHh, InitialHidden, InitialCell];
}

/// <summary>
/// One recurrent cell seen through a common interface, so the gradient, reference, carried-state and
/// allocation tests are written once (<see cref="RecurrentCellTests{TCell}"/>).
/// </summary>
public abstract class RecurrentCell
{
    public abstract int Gates { get; }
    public abstract bool HasCell { get; }
    public abstract int CacheSize(RecurrentShape s);
    public abstract int ScratchSize(RecurrentShape s);

    internal abstract void Forward(bool reference, RecurrentProblem p, float[] initialHidden, float[] initialCell,
        float[] output, float[] finalHidden, float[] finalCell, float[] cache);

    internal abstract void Backward(bool reference, RecurrentProblem p, float[] doutput, float[] cache, RecurrentGradients g, float[] scratch);

    /// <summary>The brief's short Backward overload (no initial-state gradient, no norm probe).</summary>
    internal abstract void BackwardShort(RecurrentProblem p, float[] doutput, float[] cache, RecurrentGradients g, float[] scratch);

    /// <summary>
    /// Double-precision forward written from PyTorch's formulas, independent of the kernels.
    /// tensors = input, weightIh, weightHh, biasIh, biasHh, initialHidden[, initialCell]; returns output [B, T, H].
    /// </summary>
    public abstract double[] DoubleForward(double[][] tensors, RecurrentShape s);

    protected static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    // bias[row] + sum_p weight[row, p] * vector[offset + p]
    protected static double Affine(double[] weight, double[] bias, int row, double[] vector, int offset, int length)
    {
        double sum = bias[row];
        for (int p = 0; p < length; p++) sum += weight[row * length + p] * vector[offset + p];
        return sum;
    }
}

public sealed class SimpleRnnCell : RecurrentCell
{
    public override int Gates => 1;
    public override bool HasCell => false;
    public override int CacheSize(RecurrentShape s) => SimpleRnn.CacheSize(s.Batch, s.Steps, s.Hidden);
    public override int ScratchSize(RecurrentShape s) => SimpleRnn.ScratchSize(s.Batch, s.Steps, s.Hidden);

    internal override void Forward(bool reference, RecurrentProblem p, float[] initialHidden, float[] initialCell,
        float[] output, float[] finalHidden, float[] finalCell, float[] cache)
    {
        var s = p.Shape;
        if (reference)
            SimpleRnn.ForwardReference(p.Input, p.WeightIh, p.WeightHh, p.BiasIh, p.BiasHh, initialHidden, output, finalHidden, cache,
                s.Batch, s.Steps, s.Input, s.Hidden);
        else
            SimpleRnn.Forward(p.Input, p.WeightIh, p.WeightHh, p.BiasIh, p.BiasHh, initialHidden, output, finalHidden, cache,
                s.Batch, s.Steps, s.Input, s.Hidden);
    }

    internal override void Backward(bool reference, RecurrentProblem p, float[] doutput, float[] cache, RecurrentGradients g, float[] scratch)
    {
        var s = p.Shape;
        if (reference)
            SimpleRnn.BackwardReference(doutput, p.Input, p.WeightIh, p.WeightHh, p.InitialHidden, cache, g.Input, g.WeightIh, g.WeightHh,
                g.BiasIh, g.BiasHh, g.InitialHidden, g.StepNorms, scratch, s.Batch, s.Steps, s.Input, s.Hidden);
        else
            SimpleRnn.Backward(doutput, p.Input, p.WeightIh, p.WeightHh, p.InitialHidden, cache, g.Input, g.WeightIh, g.WeightHh,
                g.BiasIh, g.BiasHh, g.InitialHidden, g.StepNorms, scratch, s.Batch, s.Steps, s.Input, s.Hidden);
    }

    internal override void BackwardShort(RecurrentProblem p, float[] doutput, float[] cache, RecurrentGradients g, float[] scratch)
    {
        var s = p.Shape;
        SimpleRnn.Backward(doutput, p.Input, p.WeightIh, p.WeightHh, p.InitialHidden, cache, g.Input, g.WeightIh, g.WeightHh,
            g.BiasIh, g.BiasHh, scratch, s.Batch, s.Steps, s.Input, s.Hidden);
    }

    // h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    public override double[] DoubleForward(double[][] tensors, RecurrentShape s)
    {
        (double[] x, double[] wIh, double[] wHh, double[] bIh, double[] bHh) = (tensors[0], tensors[1], tensors[2], tensors[3], tensors[4]);
        int B = s.Batch, T = s.Steps, I = s.Input, H = s.Hidden;
        double[] h = (double[])tensors[5].Clone(), output = new double[B * T * H];
        for (int t = 0; t < T; t++)
        {
            var next = new double[B * H];
            for (int b = 0; b < B; b++)
                for (int j = 0; j < H; j++)
                    next[b * H + j] = Math.Tanh(Affine(wIh, bIh, j, x, (b * T + t) * I, I) + Affine(wHh, bHh, j, h, b * H, H));
            h = next;
            for (int b = 0; b < B; b++) Array.Copy(h, b * H, output, (b * T + t) * H, H);
        }
        return output;
    }
}

public sealed class LstmCell : RecurrentCell
{
    public override int Gates => 4;
    public override bool HasCell => true;
    public override int CacheSize(RecurrentShape s) => Lstm.CacheSize(s.Batch, s.Steps, s.Input, s.Hidden);
    public override int ScratchSize(RecurrentShape s) => Lstm.ScratchSize(s.Batch, s.Steps, s.Hidden);

    internal override void Forward(bool reference, RecurrentProblem p, float[] initialHidden, float[] initialCell,
        float[] output, float[] finalHidden, float[] finalCell, float[] cache)
    {
        var s = p.Shape;
        if (reference)
            Lstm.ForwardReference(p.Input, p.WeightIh, p.WeightHh, p.BiasIh, p.BiasHh, initialHidden, initialCell, output, finalHidden, finalCell,
                cache, s.Batch, s.Steps, s.Input, s.Hidden);
        else
            Lstm.Forward(p.Input, p.WeightIh, p.WeightHh, p.BiasIh, p.BiasHh, initialHidden, initialCell, output, finalHidden, finalCell,
                cache, s.Batch, s.Steps, s.Input, s.Hidden);
    }

    internal override void Backward(bool reference, RecurrentProblem p, float[] doutput, float[] cache, RecurrentGradients g, float[] scratch)
    {
        var s = p.Shape;
        if (reference)
            Lstm.BackwardReference(doutput, p.Input, p.WeightIh, p.WeightHh, p.InitialHidden, p.InitialCell, cache, g.Input, g.WeightIh,
                g.WeightHh, g.BiasIh, g.BiasHh, g.InitialHidden, g.InitialCell, g.StepNorms, scratch, s.Batch, s.Steps, s.Input, s.Hidden);
        else
            Lstm.Backward(doutput, p.Input, p.WeightIh, p.WeightHh, p.InitialHidden, p.InitialCell, cache, g.Input, g.WeightIh,
                g.WeightHh, g.BiasIh, g.BiasHh, g.InitialHidden, g.InitialCell, g.StepNorms, scratch, s.Batch, s.Steps, s.Input, s.Hidden);
    }

    internal override void BackwardShort(RecurrentProblem p, float[] doutput, float[] cache, RecurrentGradients g, float[] scratch)
    {
        var s = p.Shape;
        Lstm.Backward(doutput, p.Input, p.WeightIh, p.WeightHh, p.InitialHidden, p.InitialCell, cache, g.Input, g.WeightIh,
            g.WeightHh, g.BiasIh, g.BiasHh, scratch, s.Batch, s.Steps, s.Input, s.Hidden);
    }

    // i, f, g, o = sigma, sigma, tanh, sigma (W_ih x + b_ih + W_hh h + b_hh), rows k*H + j; c' = f c + i g; h' = o tanh(c')
    public override double[] DoubleForward(double[][] tensors, RecurrentShape s)
    {
        (double[] x, double[] wIh, double[] wHh, double[] bIh, double[] bHh) = (tensors[0], tensors[1], tensors[2], tensors[3], tensors[4]);
        int B = s.Batch, T = s.Steps, I = s.Input, H = s.Hidden;
        double[] h = (double[])tensors[5].Clone(), c = (double[])tensors[6].Clone(), output = new double[B * T * H];
        for (int t = 0; t < T; t++)
        {
            double[] nextH = new double[B * H], nextC = new double[B * H];
            for (int b = 0; b < B; b++)
                for (int j = 0; j < H; j++)
                {
                    double Gate(int k) => Affine(wIh, bIh, k * H + j, x, (b * T + t) * I, I) + Affine(wHh, bHh, k * H + j, h, b * H, H);
                    double i = Sigmoid(Gate(0)), f = Sigmoid(Gate(1)), g = Math.Tanh(Gate(2)), o = Sigmoid(Gate(3));
                    nextC[b * H + j] = f * c[b * H + j] + i * g;
                    nextH[b * H + j] = o * Math.Tanh(nextC[b * H + j]);
                }
            (h, c) = (nextH, nextC);
            for (int b = 0; b < B; b++) Array.Copy(h, b * H, output, (b * T + t) * H, H);
        }
        return output;
    }
}

public sealed class GruCell : RecurrentCell
{
    public override int Gates => 3;
    public override bool HasCell => false;
    public override int CacheSize(RecurrentShape s) => Gru.CacheSize(s.Batch, s.Steps, s.Hidden);
    public override int ScratchSize(RecurrentShape s) => Gru.ScratchSize(s.Batch, s.Steps, s.Hidden);

    internal override void Forward(bool reference, RecurrentProblem p, float[] initialHidden, float[] initialCell,
        float[] output, float[] finalHidden, float[] finalCell, float[] cache)
    {
        var s = p.Shape;
        if (reference)
            Gru.ForwardReference(p.Input, p.WeightIh, p.WeightHh, p.BiasIh, p.BiasHh, initialHidden, output, finalHidden, cache,
                s.Batch, s.Steps, s.Input, s.Hidden);
        else
            Gru.Forward(p.Input, p.WeightIh, p.WeightHh, p.BiasIh, p.BiasHh, initialHidden, output, finalHidden, cache,
                s.Batch, s.Steps, s.Input, s.Hidden);
    }

    internal override void Backward(bool reference, RecurrentProblem p, float[] doutput, float[] cache, RecurrentGradients g, float[] scratch)
    {
        var s = p.Shape;
        if (reference)
            Gru.BackwardReference(doutput, p.Input, p.WeightIh, p.WeightHh, p.InitialHidden, cache, g.Input, g.WeightIh, g.WeightHh,
                g.BiasIh, g.BiasHh, g.InitialHidden, g.StepNorms, scratch, s.Batch, s.Steps, s.Input, s.Hidden);
        else
            Gru.Backward(doutput, p.Input, p.WeightIh, p.WeightHh, p.InitialHidden, cache, g.Input, g.WeightIh, g.WeightHh,
                g.BiasIh, g.BiasHh, g.InitialHidden, g.StepNorms, scratch, s.Batch, s.Steps, s.Input, s.Hidden);
    }

    internal override void BackwardShort(RecurrentProblem p, float[] doutput, float[] cache, RecurrentGradients g, float[] scratch)
    {
        var s = p.Shape;
        Gru.Backward(doutput, p.Input, p.WeightIh, p.WeightHh, p.InitialHidden, cache, g.Input, g.WeightIh, g.WeightHh,
            g.BiasIh, g.BiasHh, scratch, s.Batch, s.Steps, s.Input, s.Hidden);
    }

    // r = sigma(W_ir x + b_ir + W_hr h + b_hr), z likewise, n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h
    public override double[] DoubleForward(double[][] tensors, RecurrentShape s)
    {
        (double[] x, double[] wIh, double[] wHh, double[] bIh, double[] bHh) = (tensors[0], tensors[1], tensors[2], tensors[3], tensors[4]);
        int B = s.Batch, T = s.Steps, I = s.Input, H = s.Hidden;
        double[] h = (double[])tensors[5].Clone(), output = new double[B * T * H];
        for (int t = 0; t < T; t++)
        {
            var next = new double[B * H];
            for (int b = 0; b < B; b++)
                for (int j = 0; j < H; j++)
                {
                    double InputSide(int k) => Affine(wIh, bIh, k * H + j, x, (b * T + t) * I, I);
                    double HiddenSide(int k) => Affine(wHh, bHh, k * H + j, h, b * H, H);
                    double r = Sigmoid(InputSide(0) + HiddenSide(0));
                    double z = Sigmoid(InputSide(1) + HiddenSide(1));
                    double n = Math.Tanh(InputSide(2) + r * HiddenSide(2));
                    next[b * H + j] = (1 - z) * n + z * h[b * H + j];
                }
            h = next;
            for (int b = 0; b < B; b++) Array.Copy(h, b * H, output, (b * T + t) * H, H);
        }
        return output;
    }
}
