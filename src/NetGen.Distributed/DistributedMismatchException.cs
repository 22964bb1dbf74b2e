namespace NetGen.Distributed;

/// <summary>
/// The ranks of a job disagree on something that must be identical on all of them: the network's parameter count,
/// or its parameters (checksums). Every rank sees the same gathered values, so every rank throws the same
/// exception at the same call and the job can end cleanly instead of hanging; the message names each rank's value.
/// </summary>
public sealed class DistributedMismatchException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> names the ranks and their values.</summary>
    public DistributedMismatchException(string message) : base(message)
    {
    }
}
