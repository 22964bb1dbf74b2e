using System.ComponentModel;

namespace NetGen.Threading;

/// <summary>
/// The in-use guard of generated networks, as .NET collections detect concurrent use: the first public member a thread
/// calls takes the instance with one compare-exchange (<c>using var use = EnterUse(nameof(TrainStep));</c>), a member it
/// calls from there passes, and another thread gets an <see cref="InvalidOperationException"/> naming the network and the
/// member instead of silently mixed buffers.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class UseGuard
{
    /// <summary>Takes <paramref name="user"/> for the calling thread until the returned scope is disposed (a nested call takes nothing).</summary>
    /// <exception cref="InvalidOperationException">Another thread is using the instance.</exception>
    public static Scope Enter(ref int user, string network, string caller)
    {
        int thread = Environment.CurrentManagedThreadId;
        int holder = Interlocked.CompareExchange(ref user, thread, 0);
        if (holder == 0) return new Scope(ref user, entered: true);
        if (holder == thread) return new Scope(ref user, entered: false);
        throw new InvalidOperationException(
            $"{network}.{caller} was called on thread {thread} while thread {holder} is using this instance: a network computes on one " +
            "thread at a time; give each thread its own instance, or lock around the calls.");
    }

    /// <summary>What <see cref="Enter"/> took; disposing it releases the instance (nothing for a nested call).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ref struct Scope
    {
        private readonly ref int _user;
        private readonly bool _entered;

        internal Scope(ref int user, bool entered)
        {
            _user = ref user;
            _entered = entered;
        }

        /// <summary>Releases the instance if this scope took it.</summary>
        public readonly void Dispose()
        {
            if (_entered) Volatile.Write(ref _user, 0);
        }
    }
}
