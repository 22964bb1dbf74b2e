namespace NetGen;

/// <summary>
/// Thrown by a generated <c>TrainStep</c> when the loss is NaN or infinite, before the bad gradients reach
/// the parameters. The message names where the first non-finite value appears.
/// </summary>
public sealed class NonFiniteLossException : ArithmeticException
{
    /// <summary>Creates the exception for network <paramref name="network"/> at optimizer step <paramref name="step"/>.</summary>
    public NonFiniteLossException(string network, float loss, int step, string firstNonFinite)
        : base($"{network}: the loss is {loss} at step {step}; the first non-finite values are in {firstNonFinite}. " +
               "Lower the learning rate, clip gradients, normalize the inputs, or check them for NaN.")
    {
        Network = network;
        Loss = loss;
        Step = step;
        FirstNonFinite = firstNonFinite;
    }

    /// <summary>The network's class name.</summary>
    public string Network { get; }

    /// <summary>The non-finite loss.</summary>
    public float Loss { get; }

    /// <summary>The 1-based optimizer step that failed; its update was not applied.</summary>
    public int Step { get; }

    /// <summary>Where the first non-finite value appears: the inputs, a layer's parameters or a layer's output.</summary>
    public string FirstNonFinite { get; }
}
