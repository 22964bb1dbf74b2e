using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NetGen.Search;

/// <summary>What training one trial produced, returned by the runner's objective.</summary>
/// <param name="ValidationMetric">The metric on the validation split (higher is better), for example accuracy.</param>
/// <param name="ParameterCount">Trainable parameters of the trained network.</param>
/// <param name="TrainingSeconds">Wall-clock seconds spent training and validating.</param>
public sealed record TrialOutcome(double ValidationMetric, int ParameterCount, double TrainingSeconds);

/// <summary>One finished trial, as a results file stores it.</summary>
/// <param name="Trial">The trial's number in the order trials finished, from 0.</param>
/// <param name="Configuration">The configuration trained.</param>
/// <param name="Epochs">The epochs it was trained for.</param>
/// <param name="Rung">Its successive-halving rung (0 without rungs).</param>
/// <param name="ParameterCount">Trainable parameters.</param>
/// <param name="TrainingSeconds">Seconds spent training and validating.</param>
/// <param name="ValidationMetric">The validation metric, higher is better.</param>
public sealed record TrialRecord(int Trial, SearchConfiguration Configuration, int Epochs, int Rung, int ParameterCount,
    double TrainingSeconds, double ValidationMetric)
{
    /// <summary>The key shared with <see cref="TrialRequest.Key"/>: configuration and epochs.</summary>
    public string Key => Configuration.Key + "@" + Epochs.ToString(CultureInfo.InvariantCulture);

    /// <summary>One JSON object on one line: trial, epochs, rung, configuration (label or number per dimension), parameters, seconds, validation.</summary>
    public string ToJsonLine()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("trial", Trial);
            json.WriteNumber("epochs", Epochs);
            json.WriteNumber("rung", Rung);
            json.WriteStartObject("configuration");
            for (int i = 0; i < Configuration.Values.Count; i++)
            {
                SearchDimension dimension = Configuration.Space.Dimensions[i];
                if (dimension.Kind == SearchDimensionKind.Choice) json.WriteString(dimension.Name, dimension.Format(Configuration.Values[i]));
                else json.WriteNumber(dimension.Name, Configuration.Values[i]);
            }

            json.WriteEndObject();
            json.WriteNumber("parameters", ParameterCount);
            json.WriteNumber("seconds", Math.Round(TrainingSeconds, 3));
            json.WriteNumber("validation", ValidationMetric);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Reads a line written by <see cref="ToJsonLine"/> against <paramref name="space"/>; null when the line is not a complete record of that space.</summary>
    public static TrialRecord? TryParse(string line, SearchSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        try
        {
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            JsonElement configuration = root.GetProperty("configuration");
            var values = new double[space.Dimensions.Count];
            for (int i = 0; i < values.Length; i++)
            {
                SearchDimension dimension = space.Dimensions[i];
                JsonElement value = configuration.GetProperty(dimension.Name);
                if (dimension.Kind == SearchDimensionKind.Choice)
                {
                    int index = dimension.Choices.ToList().IndexOf(value.GetString() ?? "");
                    if (index < 0) return null;
                    values[i] = index;
                }
                else
                {
                    values[i] = value.GetDouble();
                }
            }

            return new TrialRecord(root.GetProperty("trial").GetInt32(), new SearchConfiguration(space, values),
                root.GetProperty("epochs").GetInt32(), root.GetProperty("rung").GetInt32(), root.GetProperty("parameters").GetInt32(),
                root.GetProperty("seconds").GetDouble(), root.GetProperty("validation").GetDouble());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            return null;
        }
    }
}

/// <summary>
/// A JSON-lines file with one <see cref="TrialRecord"/> per finished trial, appended and flushed as each trial
/// finishes, so an interrupted search loses at most the trials in flight. Opening it reads what is there and
/// cuts off a last line that was only partly written.
/// </summary>
public sealed class ResultsFile
{
    private readonly object _gate = new();

    private ResultsFile(string path, List<TrialRecord> records)
    {
        Path = path;
        Records = records;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Every record read at open and appended since, in file order.</summary>
    public List<TrialRecord> Records { get; }

    /// <summary>
    /// Opens (or creates) the file at <paramref name="path"/> for <paramref name="space"/>. Complete lines are kept;
    /// a truncated or unreadable last line (a search killed mid-write) is removed from the file. An unreadable
    /// line before the last is an error, since it means the file belongs to another search.
    /// </summary>
    public static ResultsFile Open(string path, SearchSpace space)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(space);
        var records = new List<TrialRecord>();
        if (File.Exists(path))
        {
            string text = File.ReadAllText(path);
            string[] lines = text.Split('\n');
            int keptCharacters = 0;
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].TrimEnd('\r');
                bool last = i == lines.Length - 1 || (i == lines.Length - 2 && lines[^1].Length == 0);
                if (line.Length == 0)
                {
                    if (i < lines.Length - 1) keptCharacters += lines[i].Length + 1;
                    continue;
                }

                TrialRecord? record = TrialRecord.TryParse(line, space);
                bool complete = i < lines.Length - 1; // Ends with a newline.
                if (record is null || !complete)
                {
                    if (!last) throw new InvalidDataException($"Results file '{path}' line {i + 1} is not a trial of this search space: '{Shorten(line)}'.");
                    break;
                }

                records.Add(record);
                keptCharacters += lines[i].Length + 1;
            }

            // Through a temporary file: a kill while the torn line is cut off must not lose the complete ones.
            if (keptCharacters < text.Length)
            {
                byte[] kept = Encoding.UTF8.GetBytes(text[..keptCharacters]);
                Checkpoints.AtomicFile.Write(path, file => file.Write(kept));
            }
        }
        else
        {
            string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (folder is not null) Directory.CreateDirectory(folder);
            File.WriteAllText(path, "");
        }

        return new ResultsFile(path, records);
    }

    /// <summary>Appends <paramref name="record"/> as one line and flushes it to disk; safe to call from two trial threads.</summary>
    public void Append(TrialRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            using (var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read))
            {
                byte[] bytes = Encoding.UTF8.GetBytes(record.ToJsonLine() + "\n");
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            Records.Add(record);
        }
    }

    private static string Shorten(string line) => line.Length <= 80 ? line : line[..80] + "...";
}

/// <summary>Formats finished trials as a fixed-width table, best first.</summary>
public static class Leaderboard
{
    /// <summary>
    /// The <paramref name="top"/> best trials by validation metric (ties: fewer parameters, then earlier trial),
    /// one row each: rank, metric, epochs, parameters, seconds, configuration.
    /// </summary>
    public static IReadOnlyList<TrialRecord> Rank(IEnumerable<TrialRecord> records, int top)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        return [.. records.OrderByDescending(r => r.ValidationMetric).ThenBy(r => r.ParameterCount).ThenBy(r => r.Trial).Take(top)];
    }

    /// <summary>
    /// The table of <see cref="Rank"/>, with a header line; <paramref name="metricName"/> heads the metric column and
    /// <paramref name="describe"/> (default: the configuration's key) writes the last column.
    /// </summary>
    public static string Format(IEnumerable<TrialRecord> records, int top, string metricName = "val acc", Func<SearchConfiguration, string>? describe = null)
    {
        describe ??= configuration => configuration.Key;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"rank",4}  {metricName,8}  {"epochs",6}  {"params",10}  {"seconds",8}  configuration");
        int rank = 1;
        foreach (TrialRecord record in Rank(records, top))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{rank++,4}  {record.ValidationMetric,8:F4}  {record.Epochs,6}  {record.ParameterCount,10:N0}  {record.TrainingSeconds,8:F1}  {describe(record.Configuration)}");
        }

        return text.ToString();
    }
}
