namespace NetGen.Search;

/// <summary>
/// One structural variant of a [SearchSpace] class, generated at build time as its own specialized network.
/// The generated registry <c>Variants</c> lists them in enumeration order.
/// </summary>
/// <param name="Name">The generated class's name, such as <c>MnistSearchVariant07</c>.</param>
/// <param name="Description">The structure in one line, such as <c>784-256-256-10 ReLU, dropout 0.2, Adam</c>.</param>
/// <param name="ParameterCount">Trainable parameters.</param>
/// <param name="Create">Makes a fresh instance of the variant.</param>
/// <param name="Declaration">The C# attribute declaration of a fixed [Network] with this structure, to paste into a project; its optimizer reads <c>LearningRate = {LearningRate}</c> until <see cref="DeclarationWithLearningRate"/> fills it in.</param>
public sealed record NetworkVariant<TTarget>(string Name, string Description, int ParameterCount, Func<INetwork<TTarget>> Create, string Declaration)
    where TTarget : unmanaged
{
    /// <summary>
    /// <see cref="Declaration"/> with the learning rate of the optimizer attribute replaced by
    /// <paramref name="learningRate"/> (the run-time value a search found).
    /// </summary>
    public string DeclarationWithLearningRate(double learningRate) =>
        Declaration.Replace("LearningRate = {LearningRate}", "LearningRate = " + learningRate.ToString("G3", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
}
