using System.Globalization;

namespace NetGen.Distributed;

/// <summary>
/// Whether this process was started by an MPI launcher as one of several ranks, read from the environment the
/// launcher sets, without loading MPI: MPICH's and Intel MPI's Hydra set <c>PMI_RANK</c> and <c>PMI_SIZE</c>, Open MPI
/// sets <c>OMPI_COMM_WORLD_RANK</c> and <c>OMPI_COMM_WORLD_SIZE</c>, and PMIx launchers (Slurm's srun among them)
/// <c>PMIX_RANK</c> with Slurm's <c>SLURM_NTASKS</c>. A program that trains alone can use it to stop instead of
/// silently running one independent copy per rank.
/// </summary>
public static class MpiLaunch
{
    private static readonly (string Rank, string Size)[] Variables =
        [("PMI_RANK", "PMI_SIZE"), ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"), ("PMIX_RANK", "SLURM_NTASKS")];

    /// <summary>
    /// True when the launcher's variables say this process is rank <paramref name="rank"/> of
    /// <paramref name="ranks"/>, with more than one rank; false for a plain start or a job of one process.
    /// </summary>
    public static bool TryDetect(out int rank, out int ranks) => TryDetect(Environment.GetEnvironmentVariable, out rank, out ranks);

    internal static bool TryDetect(Func<string, string?> environment, out int rank, out int ranks)
    {
        foreach ((string rankVariable, string sizeVariable) in Variables)
        {
            if (int.TryParse(environment(rankVariable), NumberStyles.None, CultureInfo.InvariantCulture, out rank)
                && int.TryParse(environment(sizeVariable), NumberStyles.None, CultureInfo.InvariantCulture, out ranks)
                && ranks > 1 && rank < ranks)
            {
                return true;
            }
        }

        (rank, ranks) = (0, 1);
        return false;
    }
}
