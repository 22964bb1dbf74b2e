using System.Runtime.InteropServices;

namespace NetGen.Distributed.Tests;

/// <summary>The parts of NetGen.Distributed that need no MPI: sharding, checksums, mismatch messages, library names.</summary>
public class UnitTests
{
    [Theory]
    [InlineData(256, 2)]
    [InlineData(97, 3)]
    [InlineData(1, 4)]   // fewer rows than ranks: ranks 1..3 get empty shards
    [InlineData(0, 2)]
    [InlineData(1000, 7)]
    public void ShardOf_TilesTheBatchInRankOrder_SizesDifferByAtMostOne(int rows, int ranks)
    {
        int next = 0;
        var sizes = new List<int>();
        for (int rank = 0; rank < ranks; rank++)
        {
            Shard shard = Shard.Of(rows, rank, ranks);
            Assert.Equal(next, shard.Start); // contiguous, no gap, no overlap
            next += shard.Count;
            sizes.Add(shard.Count);
        }

        Assert.Equal(rows, next);
        Assert.True(sizes.Max() - sizes.Min() <= 1, string.Join(", ", sizes));
    }

    [Theory]
    [InlineData("PMI_RANK=1 PMI_SIZE=2", true, 1, 2)]                          // MPICH's and Intel MPI's Hydra
    [InlineData("OMPI_COMM_WORLD_RANK=0 OMPI_COMM_WORLD_SIZE=4", true, 0, 4)]  // Open MPI
    [InlineData("PMIX_RANK=2 SLURM_NTASKS=3", true, 2, 3)]                     // srun with PMIx
    [InlineData("PMI_RANK=0 PMI_SIZE=1", false, 0, 1)]                          // mpirun -np 1: training alone is right
    [InlineData("", false, 0, 1)]                                              // a plain start
    [InlineData("PMI_RANK=x PMI_SIZE=2", false, 0, 1)]                          // garbage is no launch
    [InlineData("PMI_RANK=2 PMI_SIZE=2", false, 0, 1)]
    public void MpiLaunch_ReadsTheLaunchersVariables(string variables, bool launched, int rank, int ranks)
    {
        var environment = variables.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => v.Split('=')).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(launched, MpiLaunch.TryDetect(name => environment.GetValueOrDefault(name), out int actualRank, out int actualRanks));
        Assert.Equal((rank, ranks), (actualRank, actualRanks));
    }

    [Fact]
    public void ShardOf_RejectsRankOutsideTheJob()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Shard.Of(10, 2, 2));
        Assert.Equal("rank", error.ParamName);
        Assert.Contains("[0, 2)", error.Message);
    }

    [Fact]
    public void ShardSlice_ReturnsTheShardsRows()
    {
        float[] batch = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]; // 5 rows of 2 values
        Shard shard = Shard.Of(5, 1, 2);                // rows 3..4
        Assert.Equal([3f, 3f, 4f, 4f], shard.Slice<float>(batch, 2).ToArray());
        var error = Assert.Throws<ArgumentException>(() => shard.Slice<float>(batch.AsSpan(0, 8), 2));
        Assert.Equal("batch", error.ParamName);
        Assert.Contains("need 10", error.Message);
    }

    [Fact]
    public void Checksum_IsStableAndSeesOneFlippedBit()
    {
        float[] values = [0.5f, -1.25f, 3f, 0f];
        ulong checksum = ParameterChecksum.Of(values);
        Assert.Equal(checksum, ParameterChecksum.Of(values.ToArray()));
        Assert.Equal(0xd6769929b30be283UL, checksum); // FNV-1a of the 4 words then the length, computed independently in Python

        Span<uint> bits = MemoryMarshal.Cast<float, uint>(values.AsSpan());
        bits[2] ^= 1; // one ulp of 3f
        Assert.NotEqual(checksum, ParameterChecksum.Of(values));
        Assert.NotEqual(ParameterChecksum.Of([0f]), ParameterChecksum.Of([0f, 0f])); // the length counts
        Assert.NotEqual(ParameterChecksum.Of([0f]), ParameterChecksum.Of([-0f]));
    }

    [Fact]
    public void DescribeMismatch_NullWhenRanksAgree_NamesTheRanksWhenNot()
    {
        long[] agree = Concat(Record(10, 7, "Net"), Record(10, 7, "Net"), Record(10, 7, "Net"));
        Assert.Null(DataParallel.DescribeMismatch(agree, 10, compareChecksums: true));

        long[] counts = Concat(Record(10, 7, "Net"), Record(10, 7, "Net"), Record(12, 7, "Other"));
        Assert.Equal(
            "The ranks disagree on the network's parameter count (rank 0: 10 parameters (Net), rank 1: 10 parameters (Net), rank 2: 12 parameters (Other)); " +
            "rank(s) 2 differ from rank 0. Every rank must run the same network declaration.",
            DataParallel.DescribeMismatch(counts, 10, compareChecksums: false));

        long[] checksums = Concat(Record(10, 7, "Net"), Record(10, 8, "Net"), Record(10, 9, "Net"));
        Assert.Null(DataParallel.DescribeMismatch(checksums, 10, compareChecksums: false)); // a count check ignores checksums
        string message = DataParallel.DescribeMismatch(checksums, 10, compareChecksums: true)!;
        Assert.StartsWith("The ranks hold different parameters of Net (rank 0: checksum 0000000000000007, rank 1: checksum 0000000000000008,", message);
        Assert.Contains("rank(s) 1, 2 differ from rank 0", message);
    }

    [Theory]
    [InlineData("msmpi.dll", true)]
    [InlineData("MSMPI", true)]
    [InlineData("libc", false)]
    public void MpiImports_AreRecognizedByName(string name, bool isMpi) => Assert.Equal(isMpi, MpiLibrary.IsMsMpiImport(name));

    private static long[] Concat(params long[][] records) => records.SelectMany(r => r).ToArray();

    // The gathered record layout of DataParallel: count, checksum, then the name in 64 UTF-8 bytes.
    private static long[] Record(long count, long checksum, string name)
    {
        var record = new long[10];
        record[0] = count;
        record[1] = checksum;
        System.Text.Encoding.UTF8.GetBytes(name, MemoryMarshal.AsBytes(record.AsSpan(2)));
        return record;
    }
}
