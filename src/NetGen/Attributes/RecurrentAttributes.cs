namespace NetGen;

/// <summary>
/// A token embedding (PyTorch <c>nn.Embedding</c>): each token id in [0, vocabulary) selects one row of a
/// [vocabulary, dimensions] table, initialized N(0, 1). Only valid as the first layer after
/// <c>[Input(steps)]</c>: the network then takes token ids (<c>ReadOnlySpan&lt;int&gt;</c>, <c>steps</c> per sample)
/// instead of floats, and the embedding turns them into a (steps, dimensions) sequence.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class EmbeddingAttribute : LayerAttribute
{
    /// <summary>Declares an embedding of <paramref name="vocabulary"/> tokens into <paramref name="dimensions"/> features.</summary>
    public EmbeddingAttribute(int vocabulary, int dimensions)
    {
        Vocabulary = vocabulary;
        Dimensions = dimensions;
    }

    /// <summary>Number of distinct tokens; every token id lies in [0, Vocabulary).</summary>
    public int Vocabulary { get; }

    /// <summary>Features per token.</summary>
    public int Dimensions { get; }
}

/// <summary>
/// Elman recurrent layer with tanh, PyTorch's <c>nn.RNN(batch_first=True)</c>: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).
/// Takes a (steps, features) sequence. W_hh starts orthogonal, W_ih and the biases U(-1/sqrt(hidden), 1/sqrt(hidden)).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SimpleRnnAttribute : LayerAttribute
{
    /// <summary>Declares a recurrent layer with <paramref name="hidden"/> state features.</summary>
    public SimpleRnnAttribute(int hidden) => Hidden = hidden;

    /// <summary>Features of the hidden state.</summary>
    public int Hidden { get; }

    /// <summary>True (default): output every step's state, (steps, hidden). False: only the last step's, (hidden).</summary>
    public bool ReturnSequences { get; set; } = true;

    /// <summary>
    /// True: the final state of each batch is the initial state of the next (truncated backpropagation through time:
    /// no gradient flows into the previous batch); the generated <c>ResetState()</c> sets it back to zeros. Default false.
    /// </summary>
    public bool Stateful { get; set; }
}

/// <summary>
/// Long short-term memory layer, PyTorch's <c>nn.LSTM(batch_first=True)</c> (gate order i, f, g, o).
/// Takes a (steps, features) sequence. W_hh starts orthogonal, W_ih and the biases U(-1/sqrt(hidden), 1/sqrt(hidden)),
/// then the forget gate's input bias is set to <see cref="ForgetBias"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LstmAttribute : LayerAttribute
{
    /// <summary>Declares an LSTM layer with <paramref name="hidden"/> state features.</summary>
    public LstmAttribute(int hidden) => Hidden = hidden;

    /// <summary>Features of the hidden (and cell) state.</summary>
    public int Hidden { get; }

    /// <summary>
    /// The initial forget-gate bias (b_ih's forget block; b_hh's is zero), default 1: the cell starts by remembering.
    /// NaN keeps PyTorch's uniform initialization.
    /// </summary>
    public double ForgetBias { get; set; } = 1.0;

    /// <summary>True (default): output every step's state, (steps, hidden). False: only the last step's, (hidden).</summary>
    public bool ReturnSequences { get; set; } = true;

    /// <summary>True: carry the final hidden and cell state into the next batch (truncated BPTT), with a generated <c>ResetState()</c>. Default false.</summary>
    public bool Stateful { get; set; }
}

/// <summary>
/// Gated recurrent unit, PyTorch's <c>nn.GRU(batch_first=True)</c> (gate order r, z, n).
/// Takes a (steps, features) sequence. W_hh starts orthogonal, W_ih and the biases U(-1/sqrt(hidden), 1/sqrt(hidden)).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GruAttribute : LayerAttribute
{
    /// <summary>Declares a GRU layer with <paramref name="hidden"/> state features.</summary>
    public GruAttribute(int hidden) => Hidden = hidden;

    /// <summary>Features of the hidden state.</summary>
    public int Hidden { get; }

    /// <summary>True (default): output every step's state, (steps, hidden). False: only the last step's, (hidden).</summary>
    public bool ReturnSequences { get; set; } = true;

    /// <summary>True: carry the final state into the next batch (truncated BPTT), with a generated <c>ResetState()</c>. Default false.</summary>
    public bool Stateful { get; set; }
}
