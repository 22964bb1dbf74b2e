namespace NetGen.Search;

/// <summary>
/// One structural variant of a [SearchSpace] class, generated at build time as its own specialized network.
/// The generated registry <c>Variants</c> lists them in enumeration order.
/// </summary>
/// <param name="Name">The generated class's name, such as <c>MnistSearchVariant07</c>.</param>
/// <param name="Description">The structure in one line, such as <c>784-256-256-10 ReLU, dropout 0.2, Adam</c>.</param>
/// <param name="ParameterCount">Trainable parameters.</param>
/// <param name="Create">Makes a fresh instance of the variant.</param>
/// <param name="Declaration">
/// The C# attribute declaration of a fixed [Network] with this structure, to paste into a project; its optimizer reads
/// <c>LearningRate = {LearningRate}</c> (and <c>WeightDecay = {WeightDecay}</c> when the space declares [WeightDecayRange])
/// until <see cref="DeclarationWith"/> fills the run-time values in.
/// </param>
public sealed record NetworkVariant<TTarget>(string Name, string Description, int ParameterCount, Func<INetwork<TTarget>> Create, string Declaration)
    where TTarget : unmanaged
{
    /// <summary>
    /// <see cref="Declaration"/> with the learning rate of the optimizer attribute replaced by
    /// <paramref name="learningRate"/> (the run-time value a search found).
    /// </summary>
    public string DeclarationWithLearningRate(double learningRate) => DeclarationWith(learningRate, weightDecay: null);

    /// <summary>
    /// <see cref="Declaration"/> with the run-time values a search found filled in: <paramref name="learningRate"/>,
    /// and <paramref name="weightDecay"/> where the declaration has a <c>{WeightDecay}</c> placeholder (three significant
    /// digits each); <paramref name="seed"/>, when given, replaces the space's seed in <c>[Network(...)]</c> (the seed the
    /// winner was initialized from, see <see cref="Instantiate"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The declaration has a weight-decay placeholder and <paramref name="weightDecay"/> is null.</exception>
    public string DeclarationWith(double learningRate, double? weightDecay, int? seed = null)
    {
        string text = Declaration.Replace("LearningRate = {LearningRate}", "LearningRate = " + Format(learningRate), StringComparison.Ordinal);
        if (seed is int newSeed)
        {
            // The first line reads [Network(BatchSize = B, Seed = S)].
            int start = text.IndexOf(", Seed = ", StringComparison.Ordinal);
            int end = start < 0 ? -1 : text.IndexOf(')', start);
            if (end > 0) text = string.Concat(text.AsSpan(0, start), ", Seed = " + newSeed.ToString(System.Globalization.CultureInfo.InvariantCulture), text.AsSpan(end));
        }

        if (!text.Contains("{WeightDecay}", StringComparison.Ordinal)) return text;
        if (weightDecay is not double decay)
        {
            throw new ArgumentException($"The declaration of {Name} has a run-time weight decay ([WeightDecayRange]); pass the value the search found.", nameof(weightDecay));
        }

        return text.Replace("WeightDecay = {WeightDecay}", "WeightDecay = " + Format(decay), StringComparison.Ordinal);
    }

    /// <summary>
    /// A fresh instance for one trial: parameters initialized from <paramref name="seed"/>, the learning rate set, and
    /// the weight decay set when <paramref name="weightDecay"/> is given.
    /// </summary>
    /// <exception cref="ArgumentException">A weight decay for a variant whose weight decay is a constant (no [WeightDecayRange]).</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The learning rate or the weight decay is NaN, infinite (also once rounded to float) or negative.
    /// </exception>
    public INetwork<TTarget> Instantiate(int seed, double learningRate, double? weightDecay = null)
    {
        float rate = Training.Hyperparameters.CheckLearningRate((float)learningRate, Name);
        float? decayValue = weightDecay is double wd ? Training.Hyperparameters.CheckWeightDecay((float)wd, Name) : null;
        INetwork<TTarget> network = Create();
        if (decayValue is float decay)
        {
            if (network is not IRuntimeWeightDecay runtime)
            {
                throw new ArgumentException($"{Name} has a constant weight decay; declare [WeightDecayRange] on the search space to search it.", nameof(weightDecay));
            }

            runtime.WeightDecay = decay;
        }

        network.ResetParameters(seed);
        network.LearningRate = rate;
        return network;
    }

    /// <summary>Whether the variant's weight decay is a run-time value (<see cref="IRuntimeWeightDecay"/>) to set per trial.</summary>
    public bool HasRuntimeWeightDecay => Declaration.Contains("{WeightDecay}", StringComparison.Ordinal);

    private static string Format(double value) => value.ToString("G3", System.Globalization.CultureInfo.InvariantCulture);
}
