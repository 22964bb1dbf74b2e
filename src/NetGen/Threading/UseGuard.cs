using System.ComponentModel;

namespace NetGen.Threading;

/// <summary>
/// The in-use guard of generated networks, as .NET collections detect concurrent use: the first public member a thread
/// calls takes the instance with one compare-exchange, a member it calls from there passes, and another thread gets an
/// <see cref="InvalidOperationException"/> naming the network and the member instead of silently mixed buffers.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class UseGuard
{
    /// <summary>Takes <paramref name="user"/> for the calling thread; false when that thread already holds it (a nested call).</summary>
    /// <exception cref="InvalidOperationException">Another thread is using the instance.</exception>
    public static bool Enter(ref int user, string network, string caller)
    {
        int thread = Environment.CurrentManagedThreadId;
        int holder = Interlocked.CompareExchange(ref user, thread, 0);
        if (holder == 0) return true;
        if (holder == thread) return false;
        throw new InvalidOperationException(
            $"{network}.{caller} was called on thread {thread} while thread {holder} is using this instance: a network computes on one " +
            "thread at a time; give each thread its own instance, or lock around the calls.");
    }

    /// <summary>Releases what <see cref="Enter"/> took (nothing for a nested call).</summary>
    public static void Exit(ref int user, bool entered)
    {
        if (entered) Volatile.Write(ref user, 0);
    }
}
