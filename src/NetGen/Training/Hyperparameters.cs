using System.Globalization;

namespace NetGen.Training;

/// <summary>
/// Checks of run-time hyperparameters, for the setters of generated networks and for the search: a NaN or infinite
/// learning rate writes NaN into every parameter while the step still returns a finite loss, and a negative one
/// silently ascends, so each is an <see cref="ArgumentOutOfRangeException"/> that names the network and the value.
/// </summary>
public static class Hyperparameters
{
    /// <summary>Returns <paramref name="value"/> when it is a usable learning rate: finite and not negative (0 freezes the parameters, as in PyTorch).</summary>
    /// <param name="value">The learning rate being set.</param>
    /// <param name="network">The network's name, for the message.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN, infinite or negative.</exception>
    public static float CheckLearningRate(float value, string network)
    {
        if (!(value >= 0f && float.IsFinite(value)))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value,
                string.Create(CultureInfo.InvariantCulture, $"{network}: a learning rate must be finite and not negative; got {value}."));
        }

        return value;
    }

    /// <summary>Returns <paramref name="value"/> when it is a usable weight decay: finite and not negative.</summary>
    /// <param name="value">The weight decay being set.</param>
    /// <param name="network">The network's name, for the message.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN, infinite or negative.</exception>
    public static float CheckWeightDecay(float value, string network)
    {
        if (!(value >= 0f && float.IsFinite(value)))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value,
                string.Create(CultureInfo.InvariantCulture, $"{network}: a weight decay must be finite and not negative; got {value}."));
        }

        return value;
    }
}
