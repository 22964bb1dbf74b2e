namespace NetGen;

/// <summary>
/// A group of replicas of one network, one per process, that can sum a buffer element-wise across all of them.
/// Generated networks call it during training for synchronized batch normalization
/// (<see cref="INetwork.BatchNormSynchronization"/>); <c>NetGen.Distributed.DataParallel</c> implements it over MPI.
/// </summary>
/// <remarks>The call is collective: every replica makes the same calls, in the same order, with the same lengths.</remarks>
public interface IAllReduce
{
    /// <summary>Replaces every value of <paramref name="values"/> by its sum over all replicas, in place. Allocates nothing.</summary>
    void AllReduceSum(Span<float> values);
}
