using System.Globalization;
using System.Text;

namespace NetGen.Search;

/// <summary>How a <see cref="SearchDimension"/> draws its values.</summary>
public enum SearchDimensionKind
{
    /// <summary>One of a fixed list of labelled choices (a generated variant, an activation, a batch size).</summary>
    Choice,

    /// <summary>A number drawn uniformly from [low, high].</summary>
    Uniform,

    /// <summary>A number whose logarithm is uniform on [log low, log high]: learning rates, weight decay.</summary>
    LogUniform,
}

/// <summary>
/// One axis of a search space. A <em>structural</em> dimension changes shapes (and so picks a different
/// generated network); the others are run-time hyperparameters set on one network, such as its learning rate.
/// </summary>
public sealed class SearchDimension
{
    private SearchDimension(string name, SearchDimensionKind kind, string[] choices, double low, double high, bool structural)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Kind = kind;
        Choices = choices;
        Low = low;
        High = high;
        IsStructural = structural;
    }

    /// <summary>The dimension's name, a key in configurations and results files.</summary>
    public string Name { get; }

    /// <summary>How values are drawn.</summary>
    public SearchDimensionKind Kind { get; }

    /// <summary>The labels of a <see cref="SearchDimensionKind.Choice"/> dimension; empty otherwise.</summary>
    public IReadOnlyList<string> Choices { get; }

    /// <summary>The lower bound of a numeric dimension.</summary>
    public double Low { get; }

    /// <summary>The upper bound of a numeric dimension.</summary>
    public double High { get; }

    /// <summary>Whether the dimension changes the network's structure (its shapes) rather than a run-time value.</summary>
    public bool IsStructural { get; }

    /// <summary>A dimension that takes one of <paramref name="choices"/> (distinct, at least one).</summary>
    public static SearchDimension Choice(string name, IReadOnlyList<string> choices, bool structural = false)
    {
        ArgumentNullException.ThrowIfNull(choices);
        if (choices.Count == 0) throw new ArgumentException($"Dimension '{name}' needs at least one choice; got none.", nameof(choices));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < choices.Count; i++)
        {
            if (!seen.Add(choices[i])) throw new ArgumentException($"Dimension '{name}' repeats the choice '{choices[i]}' at index {i}.", nameof(choices));
        }

        return new SearchDimension(name, SearchDimensionKind.Choice, [.. choices], 0, choices.Count - 1, structural);
    }

    /// <summary>A number drawn uniformly from [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static SearchDimension Uniform(string name, double low, double high)
    {
        CheckRange(name, low, high, positive: false);
        return new SearchDimension(name, SearchDimensionKind.Uniform, [], low, high, structural: false);
    }

    /// <summary>A positive number drawn log-uniformly from [<paramref name="low"/>, <paramref name="high"/>], such as a learning rate.</summary>
    public static SearchDimension LogUniform(string name, double low, double high)
    {
        CheckRange(name, low, high, positive: true);
        return new SearchDimension(name, SearchDimensionKind.LogUniform, [], low, high, structural: false);
    }

    private static void CheckRange(string name, double low, double high, bool positive)
    {
        if (!double.IsFinite(low) || !double.IsFinite(high) || low > high || (positive && low <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(low),
                $"Dimension '{name}' needs finite bounds with low <= high{(positive ? " and low > 0" : "")}; got [{low}, {high}].");
        }
    }

    /// <summary>A value drawn from the dimension: a choice index, or the number itself.</summary>
    public double Sample(Random random) => Kind switch
    {
        SearchDimensionKind.Choice => random.Next(Choices.Count),
        SearchDimensionKind.Uniform => Low + (High - Low) * random.NextDouble(),
        _ => Math.Exp(Math.Log(Low) + (Math.Log(High) - Math.Log(Low)) * random.NextDouble()),
    };

    /// <summary>
    /// A nearby, different value for evolution: another choice, or the number moved by a random factor
    /// (log-uniform) or step (uniform) and kept inside the bounds.
    /// </summary>
    public double Mutate(double value, Random random)
    {
        switch (Kind)
        {
            case SearchDimensionKind.Choice:
                if (Choices.Count == 1) return value;
                int other = random.Next(Choices.Count - 1);
                return other >= (int)value ? other + 1 : other;
            case SearchDimensionKind.Uniform:
                return Math.Clamp(value + (High - Low) * 0.25 * (2 * random.NextDouble() - 1), Low, High);
            default:
                double factor = Math.Exp(Math.Log(3) * (2 * random.NextDouble() - 1));
                return Math.Clamp(value * factor, Low, High);
        }
    }

    /// <summary>The grid values of this dimension: every choice, or <paramref name="points"/> evenly (log-)spaced numbers.</summary>
    public double[] GridValues(int points)
    {
        if (Kind == SearchDimensionKind.Choice) return [.. Enumerable.Range(0, Choices.Count).Select(i => (double)i)];
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(points);
        var values = new double[points];
        for (int i = 0; i < points; i++)
        {
            double t = points == 1 ? 0.5 : (double)i / (points - 1);
            double value = Kind == SearchDimensionKind.Uniform
                ? Low + (High - Low) * t
                : Math.Exp(Math.Log(Low) + (Math.Log(High) - Math.Log(Low)) * t);
            values[i] = Math.Clamp(value, Low, High); // exp(log) can land one ulp outside.
        }

        return values;
    }

    /// <summary>The value as text: the choice's label or the number (round-trip format).</summary>
    public string Format(double value) =>
        Kind == SearchDimensionKind.Choice ? Choices[(int)value] : value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>The dimensions a search explores, in order.</summary>
public sealed class SearchSpace
{
    private readonly SearchDimension[] _dimensions;

    /// <summary>A space over <paramref name="dimensions"/>, whose names must be distinct.</summary>
    public SearchSpace(params SearchDimension[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        if (dimensions.Length == 0) throw new ArgumentException("A search space needs at least one dimension; got none.", nameof(dimensions));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (SearchDimension dimension in dimensions)
        {
            if (!names.Add(dimension.Name)) throw new ArgumentException($"The dimension name '{dimension.Name}' is used twice.", nameof(dimensions));
        }

        _dimensions = dimensions;
    }

    /// <summary>The dimensions, in order.</summary>
    public IReadOnlyList<SearchDimension> Dimensions => _dimensions;

    /// <summary>The position of the dimension called <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name) => Array.FindIndex(_dimensions, d => d.Name == name);

    /// <summary>A configuration drawn independently on every dimension.</summary>
    public SearchConfiguration Sample(Random random)
    {
        var values = new double[_dimensions.Length];
        for (int i = 0; i < values.Length; i++) values[i] = _dimensions[i].Sample(random);
        return new SearchConfiguration(this, values);
    }

    /// <summary>A copy of <paramref name="parent"/> with one randomly chosen dimension mutated (aging evolution's mutation).</summary>
    public SearchConfiguration Mutate(SearchConfiguration parent, Random random)
    {
        ArgumentNullException.ThrowIfNull(parent);
        double[] values = [.. parent.Values];
        int dimension = random.Next(values.Length);
        values[dimension] = _dimensions[dimension].Mutate(values[dimension], random);
        return new SearchConfiguration(this, values);
    }
}

/// <summary>One point of a <see cref="SearchSpace"/>: a choice index or a number per dimension.</summary>
public sealed class SearchConfiguration : IEquatable<SearchConfiguration>
{
    private readonly double[] _values;

    /// <summary>A configuration of <paramref name="space"/>; <paramref name="values"/> holds one value per dimension.</summary>
    public SearchConfiguration(SearchSpace space, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != space.Dimensions.Count)
        {
            throw new ArgumentException($"{nameof(values)} has {values.Count} values; expected one per dimension, {space.Dimensions.Count}.", nameof(values));
        }

        for (int i = 0; i < values.Count; i++)
        {
            SearchDimension dimension = space.Dimensions[i];
            bool valid = dimension.Kind == SearchDimensionKind.Choice
                ? values[i] >= 0 && values[i] < dimension.Choices.Count && values[i] == Math.Floor(values[i])
                : values[i] >= dimension.Low && values[i] <= dimension.High;
            if (!valid)
            {
                throw new ArgumentOutOfRangeException(nameof(values), values[i],
                    $"Value {i} ('{dimension.Name}') is outside the dimension: expected {(dimension.Kind == SearchDimensionKind.Choice ? $"a choice index in 0..{dimension.Choices.Count - 1}" : $"[{dimension.Low}, {dimension.High}]")}.");
            }
        }

        Space = space;
        _values = [.. values];
        Key = BuildKey();
    }

    /// <summary>The space this configuration belongs to.</summary>
    public SearchSpace Space { get; }

    /// <summary>One value per dimension: a choice index or a number.</summary>
    public IReadOnlyList<double> Values => _values;

    /// <summary>A canonical text of the configuration, <c>name=value;...</c>, equal for equal configurations.</summary>
    public string Key { get; }

    /// <summary>The label chosen on the choice dimension <paramref name="name"/>.</summary>
    public string Choice(string name)
    {
        SearchDimension dimension = Space.Dimensions[Find(name)];
        if (dimension.Kind != SearchDimensionKind.Choice) throw new ArgumentException($"Dimension '{name}' is {dimension.Kind}, not a choice.", nameof(name));
        return dimension.Choices[(int)_values[Find(name)]];
    }

    /// <summary>The number on dimension <paramref name="name"/> (for a choice: its index).</summary>
    public double Number(string name) => _values[Find(name)];

    private int Find(string name)
    {
        int index = Space.IndexOf(name);
        if (index < 0) throw new ArgumentException($"The search space has no dimension '{name}'.", nameof(name));
        return index;
    }

    private string BuildKey()
    {
        var text = new StringBuilder();
        for (int i = 0; i < _values.Length; i++)
        {
            if (i > 0) text.Append(';');
            text.Append(Space.Dimensions[i].Name).Append('=').Append(Space.Dimensions[i].Format(_values[i]));
        }

        return text.ToString();
    }

    /// <inheritdoc/>
    public bool Equals(SearchConfiguration? other) => other is not null && other.Key == Key;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SearchConfiguration);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);

    /// <inheritdoc/>
    public override string ToString() => Key;
}
