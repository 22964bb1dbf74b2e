namespace NetGen.Training;

/// <summary>What a layer's gradient norm says about training.</summary>
public enum GradientCondition
{
    /// <summary>Neither vanishing nor exploding.</summary>
    Healthy,
    /// <summary>Too small to move the layer's weights: the layer has stopped learning (vanishing gradients).</summary>
    Vanishing,
    /// <summary>Too large, or not finite: updates will overshoot (exploding gradients).</summary>
    Exploding,
}

/// <summary>One layer's gradient norm and its condition.</summary>
public readonly record struct LayerGradient(string Layer, float Norm, GradientCondition Condition);

/// <summary>
/// Watches per-layer gradient norms (from a generated network's <c>GradientNorms</c>) and flags layers whose
/// gradients vanish or explode, so the pitfall is visible rather than guessed. Thresholds, as documented:
/// a layer's gradient <b>vanishes</b> when its L2 norm is below <see cref="VanishingNorm"/> (1e-7), or below
/// <see cref="VanishingRatio"/> (1e-4) times the largest layer's norm; it <b>explodes</b> when its norm is above
/// <see cref="ExplodingNorm"/> (1e3) or not finite. Checking allocates nothing unless a warning is raised.
/// </summary>
public sealed class GradientHealth
{
    private readonly IReadOnlyList<string> _layers;
    private readonly float[] _norms;

    /// <summary>Watches the layers named in <paramref name="layers"/> (the generated <c>ParameterLayers</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="layers"/> is null.</exception>
    public GradientHealth(IReadOnlyList<string> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = layers;
        _norms = new float[layers.Count];
    }

    /// <summary>Absolute norm below which a layer's gradient counts as vanished. Default 1e-7.</summary>
    public float VanishingNorm { get; init; } = 1e-7f;

    /// <summary>Norm relative to the largest layer's below which a layer's gradient counts as vanished. Default 1e-4.</summary>
    public float VanishingRatio { get; init; } = 1e-4f;

    /// <summary>Norm above which a layer's gradient counts as exploding. Default 1e3.</summary>
    public float ExplodingNorm { get; init; } = 1e3f;

    /// <summary>Raised once per <see cref="Check"/> for each layer that is not healthy.</summary>
    public event Action<int, LayerGradient>? Warning;

    /// <summary>The buffer to fill with the current norms (pass it to the network's <c>GradientNorms</c>).</summary>
    public Span<float> Norms => _norms;

    /// <summary>The condition of layer <paramref name="index"/> given the norms in <see cref="Norms"/>.</summary>
    public GradientCondition Classify(int index)
    {
        float norm = _norms[index];
        if (!float.IsFinite(norm) || norm > ExplodingNorm) return GradientCondition.Exploding;
        float largest = 0;
        foreach (float n in _norms)
        {
            if (float.IsFinite(n)) largest = Math.Max(largest, n);
        }

        return norm < VanishingNorm || norm < VanishingRatio * largest ? GradientCondition.Vanishing : GradientCondition.Healthy;
    }

    /// <summary>Classifies every layer's norm in <see cref="Norms"/>; raises <see cref="Warning"/> for each unhealthy one. Returns how many were unhealthy.</summary>
    public int Check(int step)
    {
        int unhealthy = 0;
        for (int i = 0; i < _norms.Length; i++)
        {
            GradientCondition condition = Classify(i);
            if (condition == GradientCondition.Healthy) continue;
            unhealthy++;
            Warning?.Invoke(step, new LayerGradient(_layers[i], _norms[i], condition));
        }

        return unhealthy;
    }

    /// <summary>Every layer's norm and condition, for printing.</summary>
    public IReadOnlyList<LayerGradient> Snapshot()
    {
        var result = new LayerGradient[_norms.Length];
        for (int i = 0; i < result.Length; i++) result[i] = new LayerGradient(_layers[i], _norms[i], Classify(i));
        return result;
    }
}
