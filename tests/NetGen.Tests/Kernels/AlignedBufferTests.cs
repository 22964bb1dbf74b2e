using NetGen.Kernels;

namespace NetGen.Tests.Kernels;

public sealed unsafe class AlignedBufferTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(784)]
    [InlineData(235146)]
    public void The_first_float_sits_on_a_cache_line_and_the_buffer_starts_zeroed(int length)
    {
        for (int repeat = 0; repeat < 20; repeat++)
        {
            var buffer = new AlignedBuffer(length);
            Assert.Equal(length, buffer.Length);
            fixed (float* first = buffer.Span) Assert.Equal(0, (nint)first % 64);
            Assert.True(buffer.Span.IndexOfAnyExcept(0f) < 0);
        }
    }

    [Fact]
    public void Its_span_memory_and_slices_are_views_of_the_same_floats()
    {
        var buffer = new AlignedBuffer(10);
        buffer.Slice(3, 2).Fill(7f);
        Span<float> span = buffer;
        ReadOnlyMemory<float> memory = buffer;
        Assert.Equal(10, span.Length);
        Assert.Equal([0f, 0f, 0f, 7f, 7f, 0f, 0f, 0f, 0f, 0f], memory.ToArray());
        buffer.Clear();
        Assert.True(buffer.Span.IndexOfAnyExcept(0f) < 0);
    }

    [Fact]
    public void A_slice_past_the_end_throws()
    {
        var buffer = new AlignedBuffer(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Slice(8, 3));
    }
}
