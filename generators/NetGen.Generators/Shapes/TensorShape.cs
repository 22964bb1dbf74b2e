using System;
using System.Linq;
using NetGen.Generators.Model;

namespace NetGen.Generators.Shapes;

/// <summary>The shape of one sample (batch dimension excluded), outermost dimension first.</summary>
public sealed record TensorShape(EquatableArray<int> Dimensions)
{
    public static TensorShape Vector(int size) => new(EquatableArray.Create(size));

    public int Rank => Dimensions.Count;

    /// <summary>Elements in one sample.</summary>
    public int Size => Dimensions.Aggregate(1, (product, d) => product * d);

    /// <summary>Elements in one sample, in long: shape inference checks it before anything uses <see cref="Size"/>.</summary>
    public long LongSize => Dimensions.Aggregate(1L, (product, d) => SaturatingMultiply(product, d));

    /// <summary>a · b, or long.MaxValue where that would overflow: a size past every limit stays past it.</summary>
    public static long SaturatingMultiply(long a, long b) => a != 0 && b > long.MaxValue / a ? long.MaxValue : a * b;

    public override string ToString() => string.Join("x", Dimensions);
}
