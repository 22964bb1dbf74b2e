using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace NetGen.Data;

/// <summary>How <see cref="CsvDataset"/> reads a file: its delimiter, whether it has a header, which column is the label.</summary>
public sealed class CsvOptions
{
    /// <summary>Whether the first record names the columns. Default true.</summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>The field delimiter. Default <c>','</c>; <c>';'</c> and <c>'\t'</c> are common too.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>The label column by its header name (needs <see cref="HasHeader"/>); null: <see cref="LabelIndex"/>.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>The label column by its 0-based position; -1 (the default): the last column.</summary>
    public int LabelIndex { get; init; } = -1;

    /// <summary>Columns that are neither features nor the label (an id, a name), by header name.</summary>
    public IReadOnlyList<string> IgnoreColumns { get; init; } = [];
}

/// <summary>
/// A CSV file loaded as NetGen's training arrays: <see cref="Features"/> holds <see cref="Count"/> rows of
/// <see cref="FeatureSize"/> values, row-major, and <see cref="Labels"/> one label per row, in file order.
/// </summary>
/// <typeparam name="TLabel"><see cref="int"/> class labels, or <see cref="float"/> regression targets.</typeparam>
public sealed class CsvDataset<TLabel> where TLabel : unmanaged
{
    internal CsvDataset(float[] features, TLabel[] labels, string[] featureNames, string labelName)
    {
        Features = features;
        Labels = labels;
        FeatureNames = featureNames;
        LabelName = labelName;
    }

    /// <summary>The features, <c>Count * FeatureSize</c> values, one row after another (what a network's InputSize takes).</summary>
    public float[] Features { get; }

    /// <summary>One label per row.</summary>
    public TLabel[] Labels { get; }

    /// <summary>The rows loaded.</summary>
    public int Count => Labels.Length;

    /// <summary>Values per row: the feature columns.</summary>
    public int FeatureSize => FeatureNames.Length;

    /// <summary>The feature columns' header names in file order (<c>column1</c>, <c>column2</c>, ... without a header).</summary>
    public string[] FeatureNames { get; }

    /// <summary>The label column's header name (<c>columnN</c> without a header).</summary>
    public string LabelName { get; }
}

/// <summary>
/// Loads a CSV file (RFC 4180, read by CsvHelper's parser) of numeric features and one label per row. Numbers are read
/// with the invariant culture (<c>1.5</c>, <c>-2e-3</c>); every value must be finite. A value that is not, a row with
/// a different number of fields, or a class label that is not a whole number of zero or more, throws
/// <see cref="InvalidDataException"/> naming the file, the line and the column.
/// </summary>
/// <example>
/// <code>
/// CsvDataset&lt;int&gt; iris = CsvDataset.LoadClassification("iris.csv", new CsvOptions { LabelColumn = "species" });
/// float loss = network.TrainStep(iris.Features, iris.Labels);
/// </code>
/// </example>
public static class CsvDataset
{
    /// <summary>Loads features and integer class labels (<c>0, 1, 2, ...</c>).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">The label or an ignored column is not in the header (the message lists the columns).</exception>
    /// <exception cref="InvalidDataException">A value, a row or the file is not what the options say (the message names file, line and column).</exception>
    public static CsvDataset<int> LoadClassification(string path, CsvOptions? options = null) =>
        Load(path, options ?? new CsvOptions(), static (text, fail) =>
        {
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) && label >= 0) return label;
            // 3.0 is a whole number too, as pandas writes integer columns that held a NaN.
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 0 && value <= int.MaxValue && value == Math.Floor(value))
                return (int)value;
            throw fail($"'{text}' is not a class label: labels are whole numbers 0, 1, 2, ... (map names to numbers first)");
        });

    /// <summary>Loads features and one float regression target per row.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">The label or an ignored column is not in the header (the message lists the columns).</exception>
    /// <exception cref="InvalidDataException">A value, a row or the file is not what the options say (the message names file, line and column).</exception>
    public static CsvDataset<float> LoadRegression(string path, CsvOptions? options = null) =>
        Load(path, options ?? new CsvOptions(), static (text, fail) => ParseNumber(text, fail));

    private static float ParseNumber(string text, Func<string, InvalidDataException> fail)
    {
        if (text.Length == 0) throw fail("the value is empty (fill or drop missing values first)");
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
            throw fail($"'{text}' is not a number (numbers use '.' for decimals)");
        if (!float.IsFinite(value)) throw fail($"'{text}' is not a finite float");
        return value;
    }

    private static CsvDataset<TLabel> Load<TLabel>(string path, CsvOptions options, Func<string, Func<string, InvalidDataException>, TLabel> parseLabel)
        where TLabel : unmanaged
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        string file = Path.GetFullPath(path);
        if (!File.Exists(file)) throw new FileNotFoundException($"CSV file not found: {file}", file);
        if (options.LabelColumn is not null && !options.HasHeader)
            throw new ArgumentException($"LabelColumn = \"{options.LabelColumn}\" needs a header: set HasHeader = true, or give LabelIndex instead.", nameof(options));

        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = options.Delimiter.ToString(),
            HasHeaderRecord = options.HasHeader,
            IgnoreBlankLines = true,
            TrimOptions = TrimOptions.Trim,
        };
        using var reader = new StreamReader(file);
        using var parser = new CsvParser(reader, configuration);

        string[]? names = null;
        int labelIndex = -1;
        bool[] ignored = [];
        var features = new List<float>();
        var labels = new List<TLabel>();
        int featureSize = 0;
        while (Read(parser, file) is { } record)
        {
            int line = parser.RawRow;
            if (names is null)
            {
                names = options.HasHeader ? record : Enumerable.Range(1, record.Length).Select(i => "column" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
                (labelIndex, ignored) = Columns(file, names, options);
                featureSize = names.Length - 1 - ignored.Count(i => i);
                if (featureSize == 0) throw new InvalidDataException($"{file}: no feature columns are left besides the label '{names[labelIndex]}'.");
                if (options.HasHeader) continue;
            }

            if (record.Length != names.Length)
            {
                throw new InvalidDataException($"{file}, line {line}: {record.Length} fields, but the {(options.HasHeader ? "header has" : "first row has")} {names.Length} " +
                    $"(a delimiter other than '{options.Delimiter}', or a quote left open?).");
            }

            for (int column = 0; column < record.Length; column++)
            {
                if (ignored[column]) continue;
                InvalidDataException Fail(string reason) =>
                    new($"{file}, line {line}, column {column + 1} ('{names[column]}'): {reason}.");
                if (column == labelIndex) labels.Add(parseLabel(record[column], Fail));
                else features.Add(ParseNumber(record[column], Fail));
            }
        }

        if (names is null) throw new InvalidDataException($"{file}: the file holds no records.");
        string[] featureNames = names.Where((_, i) => i != labelIndex && !ignored[i]).ToArray();
        return new CsvDataset<TLabel>(features.ToArray(), labels.ToArray(), featureNames, names[labelIndex]);
    }

    // The next record, or null at the end; the parser's own errors (a quote in an unquoted field, a quote never
    // closed, found while it reads or splits the record) with the file and line.
    private static string[]? Read(CsvParser parser, string file)
    {
        try
        {
            return parser.Read() ? parser.Record : null;
        }
        catch (CsvHelperException e)
        {
            throw new InvalidDataException($"{file}, line {parser.RawRow}: not valid CSV ({e.GetType().Name}: {FirstLine(e.Message)}).", e);
        }
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    private static (int Label, bool[] Ignored) Columns(string file, string[] names, CsvOptions options)
    {
        string Listed() => string.Join(", ", names.Select(n => $"'{n}'"));
        int label;
        if (options.LabelColumn is { } labelName)
        {
            label = Array.IndexOf(names, labelName);
            if (label < 0) throw new ArgumentException($"{file} has no column '{labelName}' for the label; its columns are {Listed()}.", nameof(options));
        }
        else
        {
            label = options.LabelIndex < 0 ? names.Length - 1 : options.LabelIndex;
            if (label >= names.Length)
                throw new ArgumentException($"LabelIndex = {options.LabelIndex}, but {file} has {names.Length} columns ({Listed()}).", nameof(options));
        }

        var ignored = new bool[names.Length];
        foreach (string name in options.IgnoreColumns)
        {
            int index = Array.IndexOf(names, name);
            if (index < 0) throw new ArgumentException($"{file} has no column '{name}' to ignore; its columns are {Listed()}.", nameof(options));
            if (index == label) throw new ArgumentException($"'{name}' is the label column; it cannot be ignored too.", nameof(options));
            ignored[index] = true;
        }

        return (label, ignored);
    }
}
