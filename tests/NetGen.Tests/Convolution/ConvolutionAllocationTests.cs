using NetGen.Kernels;

namespace NetGen.Tests.Convolution;

public class ConvolutionAllocationTests
{
    // Each kernel runs once to warm up (JIT, static initialization), then its next calls must not
    // allocate a byte on the managed heap of this thread.
    [Fact]
    public void ForwardAndBackward_AllocateNothingPerCall()
    {
        var random = new Random(1);
        var calls = new List<(string Name, Action Call)>();
        foreach (ConvCase c in new ConvCase[]
                 {
                     new("general 3x3 stride 2 padding 1", 2, 3, 9, 8, 5, 3, 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1),
                     new("pointwise 1x1", 2, 5, 3, 7, 4, 1, 1),
                     new("dilated 3x3", 1, 2, 9, 7, 3, 3, 3, PadH: 2, PadW: 2, DilationH: 2, DilationW: 2),
                     new("LeNet-5 conv1", 4, 1, 28, 28, 6, 5, 5, PadH: 2, PadW: 2),
                 })
        {
            float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
            float[] bias = TestData.Uniform(random, c.OutChannels), output = new float[c.OutputLength];
            float[] dinput = new float[c.InputLength], dweight = new float[c.WeightLength], dbias = new float[c.OutChannels];
            var scratch = new float[c.ScratchSize];
            calls.Add(($"Conv2D.Forward {c}", () => c.Forward(input, weight, bias, output, scratch)));
            calls.Add(($"Conv2D.Forward without bias {c}", () => c.Forward(input, weight, [], output, scratch)));
            calls.Add(($"Conv2D.Backward {c}", () => c.Backward(output, input, weight, dinput, dweight, dbias, scratch)));
            calls.Add(($"Conv2D.Backward without dinput {c}", () => c.Backward(output, input, weight, [], dweight, dbias, scratch)));
        }
        foreach (PoolCase p in new PoolCase[]
                 {
                     new("2x2 stride 2 (fast)", 2, 3, 17, 33, 2, 2, 2, 2),
                     new("3x3 stride 2 padding 1", 2, 3, 9, 8, 3, 3, 2, 2, 1, 1),
                 })
        {
            float[] input = TestData.Uniform(random, p.InputLength), output = new float[p.OutputLength];
            float[] dinput = new float[p.InputLength];
            var argmax = new int[p.OutputLength];
            calls.Add(($"Pooling.MaxForward {p}", () => p.MaxForward(input, output, argmax)));
            calls.Add(($"Pooling.MaxBackward {p}", () => p.MaxBackward(output, argmax, dinput)));
            calls.Add(($"Pooling.AvgForward {p}", () => p.AvgForward(input, output)));
            calls.Add(($"Pooling.AvgBackward {p}", () => p.AvgBackward(output, dinput)));
        }
        float[] planes = TestData.Uniform(random, 6 * 49), means = new float[6];
        calls.Add(("Pooling.GlobalAvgForward", () => Pooling.GlobalAvgForward(planes, means, 2, 3, 49)));
        calls.Add(("Pooling.GlobalAvgBackward", () => Pooling.GlobalAvgBackward(means, planes, 2, 3, 49)));

        foreach ((string name, Action call) in calls)
        {
            call();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 3; i++) call();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{name} allocated {allocated} bytes in 3 calls.");
        }
    }
}
