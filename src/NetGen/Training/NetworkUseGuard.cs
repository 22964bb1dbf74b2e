namespace NetGen.Training;

/// <summary>
/// Makes use of one network instance from two threads at once loud: a generated network is not thread-safe (its
/// buffers are the instance's), and two overlapping <c>Predict</c> calls otherwise return each other's outputs
/// silently. Like the checks of .NET's collections, it detects concurrent use rather than allowing it. Keep it in a
/// (non-readonly) field and bracket each public member:
/// <code>
/// bool entered = _useGuard.Enter(nameof(LeNet5));
/// try { ... } finally { if (entered) _useGuard.Exit(); }
/// </code>
/// </summary>
/// <remarks>
/// <see cref="Enter"/> is one interlocked compare-exchange on an uncontended cache line the instance already owns (a
/// few nanoseconds) and <see cref="Exit"/> one plain store. A member that calls another guarded member on the same
/// thread (Evaluate calling Predict) re-enters freely: <see cref="Enter"/> returns false and that call does not exit.
/// </remarks>
public struct NetworkUseGuard
{
    // The managed id of the thread inside the network, 0 when none is.
    private int _owner;

    /// <summary>
    /// Marks the network in use by the calling thread. True when this call took the guard (call <see cref="Exit"/> when
    /// done); false when the calling thread already holds it (a nested call: do not exit).
    /// </summary>
    /// <param name="network">The network's name, for the message.</param>
    /// <exception cref="InvalidOperationException">Another thread is using the network.</exception>
    public bool Enter(string network)
    {
        int self = Environment.CurrentManagedThreadId;
        int owner = Interlocked.CompareExchange(ref _owner, self, 0);
        if (owner == 0) return true;
        if (owner == self) return false;
        throw new InvalidOperationException(
            $"{network} is being used by two threads at once (thread {owner} is inside it): an instance is not thread-safe. " +
            "Give each thread its own instance, or lock around the calls.");
    }

    /// <summary>Marks the network free again; call once for each <see cref="Enter"/> that returned true.</summary>
    public void Exit() => Volatile.Write(ref _owner, 0);

    /// <summary>Whether a thread is inside the network now.</summary>
    public bool InUse => Volatile.Read(ref _owner) != 0;
}
