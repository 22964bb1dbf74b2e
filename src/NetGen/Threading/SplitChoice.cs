namespace NetGen.Threading;

/// <summary>
/// One latency-bound call site's choice between splitting its job across the pool and running it on the calling
/// thread (see <see cref="WorkerPool.RunLatencyBound"/>): a running mean of the time each way took, the way with the
/// lower mean taken, and the other way once every <see cref="ExploreEvery"/> calls so that its mean follows the
/// machine (the host moves a VM's vCPUs within seconds). A split is tried only while every worker is awake; when one
/// sleeps the call runs on its caller, wakes it, and tries the split at a later call.
/// </summary>
/// <remarks>
/// Both means start with <see cref="WarmUpCalls"/> alternating calls, the first half of them not counted (JIT, cold
/// caches). A sample above four times its mean (a preemption, a page fault) counts as four times the mean, so one
/// outlier moves the choice no more than a real change would within a few calls. Races between threads on one site
/// can only blur a mean, never a result: both ways compute the same values.
/// </remarks>
internal struct SplitChoice
{
    /// <summary>Calls between two runs of the way not chosen: 128 (a way twice as slow costs under 1%).</summary>
    internal const int ExploreEvery = 128;

    /// <summary>Calls that alternate the two ways before the means decide; the first half are not counted.</summary>
    internal const int WarmUpCalls = 16;

    // Weight of a new sample in a running mean: 1/8.
    private const double Weight = 0.125;

    private double _splitTicks, _serialTicks;   // 0: no sample yet
    private int _calls;
    private bool _splitPending;                  // a split is due but a worker slept: try it at the next call that can

    /// <summary>Mean time of a split call so far, in Stopwatch ticks (0: none counted).</summary>
    public readonly double SplitTicks => _splitTicks;

    /// <summary>Mean time of a call on the caller so far, in Stopwatch ticks (0: none counted).</summary>
    public readonly double SerialTicks => _serialTicks;

    /// <summary>Whether the next call splits, given whether every worker is awake now.</summary>
    public bool NextSplits(bool workersAwake)
    {
        int call = _calls++;
        bool split;
        if (call < WarmUpCalls) split = (call & 1) == 0;
        else
        {
            bool splitFaster = _splitTicks <= _serialTicks;
            bool explore = call % ExploreEvery == 0;
            split = splitFaster != explore || _splitPending;
        }
        if (split && !workersAwake)
        {
            _splitPending = true;
            return false;
        }
        if (split) _splitPending = false;
        return split;
    }

    /// <summary>Counts a call that took <paramref name="ticks"/>, split or not.</summary>
    public void Record(bool split, long ticks)
    {
        if (_calls <= WarmUpCalls / 2) return;
        ref double mean = ref split ? ref _splitTicks : ref _serialTicks;
        mean = mean == 0 ? ticks : mean + Weight * (Math.Min(ticks, 4 * mean) - mean);
    }
}
