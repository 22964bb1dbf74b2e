namespace NetGen.Generators.Tests.Corpus;

/// <summary>
/// Issue 21's generator corpus: every case in <see cref="CorpusCases"/> must come out as expected. Cases in
/// <see cref="KnownGeneratorBugs"/> hold the correct expectation but fail on today's generator; they are skipped
/// here and move back once the generator is fixed.
/// </summary>
public class CorpusTests
{
    /// <summary>Case name -> what the generator does today instead (one line). Ordered by severity.</summary>
    public static readonly IReadOnlyDictionary<string, string> KnownGeneratorBugs = new Dictionary<string, string>
    {
        // Empty: the 28 bugs the corpus found when it was written are fixed. A new failing case goes here, ordered by
        // severity (a crash, code that does not compile, a wrapped size, a value or declaration accepted silently, a
        // wrong or misplaced diagnostic), until the generator is fixed.
    };

    /// <summary>The corpus runs as <see cref="Parts"/> theories in their own classes, so xUnit runs them in parallel.</summary>
    public const int Parts = 4;

    public static TheoryData<string> Part(int part)
    {
        var data = new TheoryData<string>();
        IReadOnlyList<CorpusCase> all = CorpusCases.All;
        for (int i = part; i < all.Count; i += Parts)
            if (!KnownGeneratorBugs.ContainsKey(all[i].Name)) data.Add(all[i].Name);
        return data;
    }

    public static TheoryData<string> KnownBugCases()
    {
        var data = new TheoryData<string>();
        foreach (string name in KnownGeneratorBugs.Keys) data.Add(name);
        return data;
    }

    internal static readonly Dictionary<string, CorpusCase> ByName = CorpusCases.All.ToDictionary(c => c.Name);

    [Theory(Skip = "Known generator bugs (issue 21): see CorpusTests.KnownGeneratorBugs; remove an entry once its case passes.")]
    [MemberData(nameof(KnownBugCases))]
    public void KnownBug(string name) => CorpusRunner.Check(ByName[name]);

    [Fact]
    public void KnownBugs_NameExistingCases() =>
        Assert.DoesNotContain(KnownGeneratorBugs.Keys, k => !ByName.ContainsKey(k));

    [Fact]
    public void Corpus_HasSeveralHundredCases() => Assert.True(CorpusCases.All.Count >= 300, CorpusCases.All.Count.ToString());
}

public class CorpusPart0Tests
{
    [Theory]
    [MemberData(nameof(CorpusTests.Part), 0, MemberType = typeof(CorpusTests))]
    public void Corpus(string name) => CorpusRunner.Check(CorpusTests.ByName[name]);
}

public class CorpusPart1Tests
{
    [Theory]
    [MemberData(nameof(CorpusTests.Part), 1, MemberType = typeof(CorpusTests))]
    public void Corpus(string name) => CorpusRunner.Check(CorpusTests.ByName[name]);
}

public class CorpusPart2Tests
{
    [Theory]
    [MemberData(nameof(CorpusTests.Part), 2, MemberType = typeof(CorpusTests))]
    public void Corpus(string name) => CorpusRunner.Check(CorpusTests.ByName[name]);
}

public class CorpusPart3Tests
{
    [Theory]
    [MemberData(nameof(CorpusTests.Part), 3, MemberType = typeof(CorpusTests))]
    public void Corpus(string name) => CorpusRunner.Check(CorpusTests.ByName[name]);
}
