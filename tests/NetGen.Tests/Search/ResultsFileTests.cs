using NetGen.Search;

namespace NetGen.Tests.Search;

/// <summary>The results file: one JSON line per finished trial, resume that skips finished trials, a truncated last line tolerated.</summary>
public sealed class ResultsFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "netgen-search-" + Guid.NewGuid().ToString("N"));

    private static readonly SearchSpace Space = new(
        SearchDimension.Choice("variant", ["small", "large"], structural: true),
        SearchDimension.LogUniform("learning_rate", 1e-4, 1e-2),
        SearchDimension.Uniform("dropout", 0, 0.5));

    private static TrialOutcome Train(TrialRequest trial) =>
        new(1 - Math.Abs(Math.Log10(trial.Configuration.Number("learning_rate")) + 3), trial.Configuration.Choice("variant") == "small" ? 100 : 1000, 0.01);

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void A_record_round_trips_through_its_json_line()
    {
        var record = new TrialRecord(3, new SearchConfiguration(Space, [1, 0.00123, 0.25]), Epochs: 9, Rung: 2, ParameterCount: 1234, TrainingSeconds: 1.5, ValidationMetric: 0.9625);
        string line = record.ToJsonLine();

        Assert.Equal("""{"trial":3,"epochs":9,"rung":2,"configuration":{"variant":"large","learning_rate":0.00123,"dropout":0.25},"parameters":1234,"seconds":1.5,"validation":0.9625}""", line);
        Assert.Equal(record, TrialRecord.TryParse(line, Space));
        Assert.Null(TrialRecord.TryParse(line[..^10], Space));
    }

    [Fact]
    public void An_interrupted_search_resumes_without_retraining_and_ends_like_an_uninterrupted_one()
    {
        string path = Path.Combine(_folder, "results.jsonl");
        SearchResult uninterrupted = new SearchRunner(new RegularizedEvolution(Space, 6, 3, epochs: 1, seed: 9), Train, new SearchBudget { MaxTrials = 20 }).Run();

        // The first run is killed after 8 trials, in the middle of writing the 9th line.
        new SearchRunner(new RegularizedEvolution(Space, 6, 3, epochs: 1, seed: 9), Train, new SearchBudget { MaxTrials = 8 }, ResultsFile.Open(path, Space)).Run();
        int firstLines = File.ReadAllLines(path).Length; // 8 minus repeated configurations, which are not retrained.
        File.AppendAllText(path, """{"trial":8,"epochs":1,"rung":0,"configuration":{"variant":"sm""");

        ResultsFile reopened = ResultsFile.Open(path, Space);
        Assert.Equal(firstLines, reopened.Records.Count);
        Assert.EndsWith("}\n", File.ReadAllText(path)); // The partial line is gone, so appends start on a fresh line.

        int trained = 0;
        SearchResult resumed = new SearchRunner(new RegularizedEvolution(Space, 6, 3, epochs: 1, seed: 9),
            trial => { trained++; return Train(trial); }, new SearchBudget { MaxTrials = 20 }, reopened).Run();

        Assert.Equal(firstLines, resumed.Resumed);
        // Every distinct trial of the uninterrupted search not among the first 8 is trained, once.
        Assert.Equal(uninterrupted.Records.Select(r => r.Key).Distinct().Count() - uninterrupted.Records.Take(8).Select(r => r.Key).Distinct().Count(), trained);
        Assert.Equal(uninterrupted.Records.Select(r => r.Key), resumed.Records.Select(r => r.Key));
        Assert.Equal(firstLines + trained, File.ReadAllLines(path).Length);
        Assert.Equal(firstLines + trained, ResultsFile.Open(path, Space).Records.Count);
    }

    [Fact]
    public void A_damaged_line_before_the_last_is_an_error_that_names_the_line()
    {
        string path = Path.Combine(_folder, "damaged.jsonl");
        Directory.CreateDirectory(_folder);
        string good = new TrialRecord(0, new SearchConfiguration(Space, [0, 1e-3, 0]), 1, 0, 100, 0.1, 0.5).ToJsonLine();
        File.WriteAllText(path, good + "\n{not json\n" + good + "\n");

        var error = Assert.Throws<InvalidDataException>(() => ResultsFile.Open(path, Space));
        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public void The_leaderboard_ranks_by_metric_then_fewer_parameters()
    {
        var records = new[]
        {
            new TrialRecord(0, new SearchConfiguration(Space, [1, 1e-3, 0]), 3, 0, 1000, 2.0, 0.90),
            new TrialRecord(1, new SearchConfiguration(Space, [0, 1e-3, 0]), 3, 0, 100, 1.0, 0.95),
            new TrialRecord(2, new SearchConfiguration(Space, [1, 1e-2, 0]), 3, 0, 1000, 2.0, 0.95),
        };

        Assert.Equal([1, 2], Leaderboard.Rank(records, 2).Select(r => r.Trial));
        string[] lines = Leaderboard.Format(records, 3).TrimEnd().Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("rank", lines[0].Trim());
        Assert.Contains("variant=small;learning_rate=0.001;dropout=0", lines[1]);
    }
}
