using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>
/// Fully connected layer: <c>output = input · weight^T + bias</c>, weights stored [units, inputs] row-major as
/// PyTorch's <c>nn.Linear</c>. Spans may be longer than the shape needs (a full buffer used for a short last
/// batch); only the leading elements are read and written.
/// </summary>
public static partial class Dense
{
    // output[B,N] = input[B,K] · weight[N,K]^T + bias[N]
    /// <summary>
    /// output[batch, units] = input[batch, inputs] · weight[units, inputs]^T + bias[units]. Pass an empty
    /// <paramref name="bias"/> for a layer without bias. <paramref name="output"/> is overwritten.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
        int batch, int inputs, int units) =>
        Forward(input, weight, bias, output, batch, inputs, units, Activation.Identity);

    // output[B,N] = activation(input[B,K] · weight[N,K]^T + bias[N])
    /// <summary>
    /// output[batch, units] = activation(input[batch, inputs] · weight[units, inputs]^T + bias[units]): the layer and
    /// its activation in one call. The bias and the activation are applied by each thread to the block of the output
    /// it has just computed, while it is in that core's cache, so no separate pass over the output and no buffer for
    /// the pre-activation values is needed: the activations that fuse (Identity, ReLU, Sigmoid, Tanh; others throw
    /// <see cref="ArgumentOutOfRangeException"/>) read only their output in backward. Pass an empty
    /// <paramref name="bias"/> for a layer without bias.
    /// <paramref name="output"/> is overwritten.
    /// </summary>
    /// <remarks>
    /// The product is chosen from the shape: one sample (or up to 7) runs as dot products of input rows with weight rows, the weight rows split across the cores (the one-sample inference path);
    /// fewer than 16 units (a classifier) also run as dot products, the batch's rows split across the cores; large
    /// batches run on the packed, register-blocked kernel, split across the cores; small layers on one thread.
    /// </remarks>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
        int batch, int inputs, int units, Activation activation) =>
        Forward(input, weight, bias, output, batch, inputs, units, activation, parallel: true);

    // output[B,N] = activation(input[B,K] · weight[N,K]^T + bias[N]), on the calling thread unless parallel
    /// <summary>
    /// <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, Activation)"/>
    /// with the threading chosen by the caller: <paramref name="parallel"/> false keeps the product on the calling
    /// thread (the generator passes false for layers too small to pay for waking another core at any batch size);
    /// true splits it across the cores when this call's rows make it large enough.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
        int batch, int inputs, int units, Activation activation, bool parallel)
    {
        CheckShapes(input, weight, bias, output, batch, inputs, units, nameof(input), nameof(output), nameof(bias));
        CheckFusedActivation(activation);
        if (batch == 0) return;
        Gemm.NTCore(input, weight, output, batch, units, inputs, accumulate: false, bias.IsEmpty ? default : bias.Slice(0, units),
            activation, hasEpilogue: !bias.IsEmpty || activation != Activation.Identity, parallel);
    }

    // dinput[B,K] = doutput[B,N] · weight[N,K];  dweight[N,K] += doutput^T · input;  dbias[N] += sum_b doutput[b,:]
    /// <summary>
    /// Gradients of <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int)"/>. dinput[batch, inputs] = doutput[batch, units] · weight[units, inputs] is
    /// OVERWRITTEN (skipped when <paramref name="dinput"/> is empty, as for the first layer);
    /// dweight[units, inputs] += doutput^T · input and dbias[units] += Σ_b doutput[b, :] are ACCUMULATED
    /// (dbias skipped when empty).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        Span<float> dinput, Span<float> dweight, Span<float> dbias, int batch, int inputs, int units) =>
        Backward(doutput, input, weight, dinput, dweight, dbias, batch, inputs, units, accumulateParameterGradients: true);

    // dinput[B,K] = doutput[B,N] · weight[N,K];  dweight[N,K] (+)= doutput^T · input;  dbias[N] (+)= sum_b doutput[b,:]
    /// <summary>
    /// <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, int, int)"/>
    /// with a choice: with <paramref name="accumulateParameterGradients"/> false, dweight and dbias are OVERWRITTEN,
    /// so a training step whose every parameter gradient comes from one Backward call needs no clearing pass over
    /// the gradient buffer first (and the weight-gradient product stores instead of reading and adding).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        Span<float> dinput, Span<float> dweight, Span<float> dbias, int batch, int inputs, int units, bool accumulateParameterGradients) =>
        Backward(doutput, input, weight, dinput, dweight, dbias, batch, inputs, units, accumulateParameterGradients, parallel: true);

    // dinput[B,K] = doutput[B,N] · weight[N,K];  dweight[N,K] (+)= doutput^T · input;  dbias[N] (+)= sum_b doutput[b,:]
    /// <summary>
    /// <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, int, int, bool)"/>
    /// with the threading chosen by the caller, as in <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, Activation, bool)"/>.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        Span<float> dinput, Span<float> dweight, Span<float> dbias, int batch, int inputs, int units, bool accumulateParameterGradients, bool parallel)
    {
        CheckShapes(input, weight, dbias, doutput, batch, inputs, units, nameof(input), nameof(doutput), nameof(dbias));
        if (dweight.Length < (long)units * inputs)
            throw new ArgumentException($"dweight holds {dweight.Length} floats; [{units}, {inputs}] needs {(long)units * inputs}.", nameof(dweight));
        if (!dinput.IsEmpty)
        {
            if (dinput.Length < (long)batch * inputs)
                throw new ArgumentException($"dinput holds {dinput.Length} floats; [{batch}, {inputs}] needs {(long)batch * inputs}.", nameof(dinput));
            Gemm.NNCore(doutput, weight, dinput, batch, inputs, units, accumulate: false, parallel);
        }
        Gemm.TNCore(doutput, input, dweight, units, inputs, batch, accumulate: accumulateParameterGradients, parallel);
        if (dbias.IsEmpty) return;
        Span<float> db = dbias.Slice(0, units);
        if (!accumulateParameterGradients) db.Clear();
        for (int row = 0; row < batch; row++)
            TensorPrimitives.Add(db, doutput.Slice(row * units, units), db);
    }

    /// <summary>Naive double-accumulating version of <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int)"/>: the reference tests compare against.</summary>
    public static void ForwardReference(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
        int batch, int inputs, int units)
    {
        CheckShapes(input, weight, bias, output, batch, inputs, units, nameof(input), nameof(output), nameof(bias));
        for (int b = 0; b < batch; b++)
        {
            for (int n = 0; n < units; n++)
            {
                double sum = bias.IsEmpty ? 0.0 : bias[n];
                for (int k = 0; k < inputs; k++) sum += (double)input[b * inputs + k] * weight[n * inputs + k];
                output[b * units + n] = (float)sum;
            }
        }
    }

    /// <summary>Naive double-accumulating version of <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, int, int)"/> (same overwrite/accumulate contract).</summary>
    public static void BackwardReference(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        Span<float> dinput, Span<float> dweight, Span<float> dbias, int batch, int inputs, int units)
    {
        CheckShapes(input, weight, dbias, doutput, batch, inputs, units, nameof(input), nameof(doutput), nameof(dbias));
        if (!dinput.IsEmpty)
        {
            for (int b = 0; b < batch; b++)
            {
                for (int k = 0; k < inputs; k++)
                {
                    double sum = 0.0;
                    for (int n = 0; n < units; n++) sum += (double)doutput[b * units + n] * weight[n * inputs + k];
                    dinput[b * inputs + k] = (float)sum;
                }
            }
        }
        for (int n = 0; n < units; n++)
        {
            for (int k = 0; k < inputs; k++)
            {
                double sum = dweight[n * inputs + k];
                for (int b = 0; b < batch; b++) sum += (double)doutput[b * units + n] * input[b * inputs + k];
                dweight[n * inputs + k] = (float)sum;
            }
            if (!dbias.IsEmpty)
            {
                double sum = dbias[n];
                for (int b = 0; b < batch; b++) sum += doutput[b * units + n];
                dbias[n] = (float)sum;
            }
        }
    }

    /// <summary>
    /// Throws unless <paramref name="activation"/> can be fused into the layer: Identity, ReLU, Sigmoid and Tanh, whose
    /// backward reads only the output. The others (LeakyReLU, ELU, GELU, SiLU, Softplus...) take a parameter or need
    /// the pre-activation values in backward: apply them after the layer with their own kernel.
    /// </summary>
    internal static void CheckFusedActivation(Activation activation)
    {
        if (activation is not (Activation.Identity or Activation.ReLU or Activation.Sigmoid or Activation.Tanh))
            throw new ArgumentOutOfRangeException(nameof(activation), activation,
                "Only Identity, ReLU, Sigmoid and Tanh fuse into the layer; apply the others after it with their own kernel.");
    }

    // The spans of a dense layer against its shape; shared with DenseSmall.
    internal static void CheckShapes(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> output,
        int batch, int inputs, int units, string inputName, string outputName, string biasName)
    {
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be >= 0.");
        if (inputs <= 0) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "inputs must be > 0.");
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, "units must be > 0.");
        if (input.Length < (long)batch * inputs)
            throw new ArgumentException($"{inputName} holds {input.Length} floats; [{batch}, {inputs}] needs {(long)batch * inputs}.", inputName);
        if (weight.Length < (long)units * inputs)
            throw new ArgumentException($"weight holds {weight.Length} floats; [{units}, {inputs}] needs {(long)units * inputs}.", nameof(weight));
        if (output.Length < (long)batch * units)
            throw new ArgumentException($"{outputName} holds {output.Length} floats; [{batch}, {units}] needs {(long)batch * units}.", outputName);
        if (!bias.IsEmpty && bias.Length < units)
            throw new ArgumentException($"{biasName} holds {bias.Length} floats; [{units}] needs {units} (or pass an empty span for no bias).", biasName);
    }
}
