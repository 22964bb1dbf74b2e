using System.Diagnostics;

namespace NetGen.Search;

/// <summary>When a search stops and how it uses the cores.</summary>
public sealed record SearchBudget
{
    /// <summary>Stop starting trials after this many (resumed ones included); 0 means no limit.</summary>
    public int MaxTrials { get; init; }

    /// <summary>Stop starting trials after this much wall-clock time; <see cref="TimeSpan.Zero"/> means no limit.</summary>
    public TimeSpan WallClock { get; init; }

    /// <summary>
    /// Trials trained at once. With 1, one trial at a time and its large kernels use every thread of
    /// <see cref="NetGen.Threading.WorkerPool"/>; with more, each trial's kernels run on its own thread alone
    /// (<see cref="NetGen.Threading.WorkerPool.RunsOnCaller"/> on the trial threads; the shared pool is left as it is),
    /// so on two cores two trials run side by side, one core each, never oversubscribed (that only slows each trial
    /// down and makes timings noisy).
    /// </summary>
    public int Parallelism { get; init; } = 1;
}

/// <summary>The result of <see cref="SearchRunner.Run"/>.</summary>
/// <param name="Records">Every trial the strategy asked for and got, resumed and repeated ones included, in the strategy's order.</param>
/// <param name="Best">The trial with the best validation metric (ties: more epochs, then the earlier trial), or null when none ran.</param>
/// <param name="Resumed">How many trials came from the results file instead of being trained.</param>
/// <param name="Seconds">Wall-clock seconds of this run.</param>
public sealed record SearchResult(IReadOnlyList<TrialRecord> Records, TrialRecord? Best, int Resumed, double Seconds);

/// <summary>
/// Runs a <see cref="SearchStrategy"/>: asks it for trials, trains each with the objective (skipping those the
/// results file already holds, so an interrupted search resumes where it stopped), appends each result as it
/// finishes, and stops at the budget.
/// </summary>
public sealed class SearchRunner
{
    private readonly SearchStrategy _strategy;
    private readonly Func<TrialRequest, TrialOutcome> _objective;
    private readonly SearchBudget _budget;
    private readonly ResultsFile? _results;

    /// <summary>
    /// A runner that trains trials with <paramref name="objective"/> (thread-safe when
    /// <see cref="SearchBudget.Parallelism"/> is 2) and records them in <paramref name="results"/> when given.
    /// </summary>
    public SearchRunner(SearchStrategy strategy, Func<TrialRequest, TrialOutcome> objective, SearchBudget budget, ResultsFile? results = null)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(budget.Parallelism);
        _strategy = strategy;
        _objective = objective;
        _budget = budget;
        _results = results;
    }

    /// <summary>Called after each trial finishes (or is resumed), for progress lines.</summary>
    public event Action<TrialRecord, bool>? TrialFinished;

    /// <summary>Runs until the strategy is done or the budget is spent.</summary>
    public SearchResult Run()
    {
        return RunCore();
    }

    private SearchResult RunCore()
    {
        var clock = Stopwatch.StartNew();
        var finished = new Dictionary<string, TrialRecord>(StringComparer.Ordinal);
        var fromFile = new HashSet<string>(StringComparer.Ordinal);
        if (_results is not null)
        {
            foreach (TrialRecord record in _results.Records)
            {
                if (finished.TryAdd(record.Key, record)) fromFile.Add(record.Key);
            }
        }

        var records = new List<TrialRecord>();
        int resumed = 0;
        int nextTrial = _results?.Records.Count ?? 0;
        var gate = new object();
        int counted = 0; // Trials trained or taken from earlier results: what MaxTrials limits.
        bool stop = false;
        bool BudgetLeft()
        {
            if (_budget.MaxTrials > 0 && counted >= _budget.MaxTrials) return false;
            return _budget.WallClock <= TimeSpan.Zero || clock.Elapsed < _budget.WallClock;
        }

        while (!stop)
        {
            IReadOnlyList<TrialRequest> batch = _strategy.Next();
            if (batch.Count == 0) break;
            var outcomes = new TrialRecord?[batch.Count];

            // Trials already finished (in the results file, or earlier in this run) cost nothing and are not retrained.
            var toTrain = new List<int>();
            for (int i = 0; i < batch.Count; i++)
            {
                if (finished.TryGetValue(batch[i].Key, out TrialRecord? done))
                {
                    if (!BudgetLeft() && !fromFile.Contains(batch[i].Key)) continue;
                    outcomes[i] = done;
                    counted++;
                    bool isResumed = fromFile.Remove(batch[i].Key);
                    if (isResumed) resumed++;
                    TrialFinished?.Invoke(done, isResumed);
                }
                else
                {
                    toTrain.Add(i);
                }
            }

            int cursor = 0;
            void Worker()
            {
                bool onCaller = NetGen.Threading.WorkerPool.RunsOnCaller;
                if (_budget.Parallelism > 1) NetGen.Threading.WorkerPool.RunsOnCaller = true;
                try
                {
                    TrainTrials();
                }
                finally
                {
                    NetGen.Threading.WorkerPool.RunsOnCaller = onCaller;
                }
            }

            void TrainTrials()
            {
                while (true)
                {
                    int index;
                    lock (gate)
                    {
                        if (cursor >= toTrain.Count || !BudgetLeft()) return;
                        index = toTrain[cursor++];
                        counted++;
                    }

                    TrialRequest request = batch[index];
                    TrialOutcome outcome = _objective(request);
                    lock (gate)
                    {
                        var record = new TrialRecord(nextTrial++, request.Configuration, request.Epochs, request.Rung,
                            outcome.ParameterCount, outcome.TrainingSeconds, outcome.ValidationMetric);
                        _results?.Append(record);
                        finished.TryAdd(record.Key, record);
                        outcomes[index] = record;
                        TrialFinished?.Invoke(record, false);
                    }
                }
            }

            int workers = Math.Min(_budget.Parallelism, Math.Max(1, toTrain.Count));
            if (workers == 1)
            {
                Worker();
            }
            else
            {
                var threads = new Thread[workers];
                for (int w = 0; w < workers; w++)
                {
                    threads[w] = new Thread(Worker) { IsBackground = true, Name = "NetGen search trial " + w };
                    threads[w].Start();
                }

                foreach (Thread thread in threads) thread.Join();
            }

            // Record and report in batch order, so the strategy's next decision does not depend on which thread finished first.
            for (int i = 0; i < batch.Count; i++)
            {
                if (outcomes[i] is { } record)
                {
                    records.Add(record);
                    _strategy.Report(batch[i], record.ValidationMetric);
                }
                else
                {
                    stop = true; // The budget ran out inside this batch.
                }
            }

            if (!BudgetLeft()) stop = true;
        }

        TrialRecord? best = records.Count == 0 ? null
            : records.OrderByDescending(r => r.ValidationMetric).ThenByDescending(r => r.Epochs).ThenBy(r => r.Trial).First();
        return new SearchResult(records, best, resumed, clock.Elapsed.TotalSeconds);
    }
}
