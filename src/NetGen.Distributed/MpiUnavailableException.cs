namespace NetGen.Distributed;

/// <summary>
/// No usable MPI runtime: none is installed, or the one found is Open MPI, whose ABI MPI.NET 1.4.0 cannot use.
/// The message says what was tried and how to install MPICH.
/// </summary>
public sealed class MpiUnavailableException : Exception
{
    /// <summary>Creates the exception with the message that says what was tried and what to install.</summary>
    public MpiUnavailableException(string message) : base(message)
    {
    }
}
