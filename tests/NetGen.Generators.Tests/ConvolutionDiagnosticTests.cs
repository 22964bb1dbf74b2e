using Microsoft.CodeAnalysis;

namespace NetGen.Generators.Tests;

// Convolution, pooling and reshape diagnostics (NG0020-NG0026, and the shared NG0003/NG0009 on their
// arguments): id and exact span, as the rest of DiagnosticTests, whose EveryDescriptor_HasATest covers these too.
public partial class DiagnosticTests
{
    private const string Tail = "[Flatten] [Dense(2)] [SoftmaxCrossEntropy] [Adam]\npublic partial class Net;";

    [Fact]
    public void ConvolutionOnVector_ReportsNG0020_AtTheConvolution_SuggestingReshape()
    {
        Diagnostic d = AssertSingle("NG0020", "[Network] [Input(784)] [[|Conv2D(6, 5)|]] " + Tail);
        Assert.Contains("Reshape(1, 28, 28)", d.GetMessage());
        Assert.Contains("784", d.GetMessage());
    }

    [Theory]
    [InlineData("[Input(12)] [[|MaxPool2D(2)|]]")]
    [InlineData("[Input(3, 4)] [[|AvgPool2D(2)|]]")]
    [InlineData("[Input(1, 4, 4)] [GlobalAvgPool2D] [[|MaxPool2D(2)|]]")]
    [InlineData("[Input(1, 4, 4)] [Flatten] [[|GlobalAvgPool2D|]]")]
    public void PoolingOnNonImage_ReportsNG0020_AtThePooling(string layers) =>
        AssertSingle("NG0020", $"[Network] {layers} " + Tail);

    [Theory]
    [InlineData("[Conv2D(2, [|5|])]")]
    [InlineData("[Conv2D(2, [|kernel: 7|], Padding = 1)]")]
    [InlineData("[Conv2D(2, [|3|], Dilation = 2)]")]
    [InlineData("[MaxPool2D([|5|])]")]
    public void KernelLargerThanInput_ReportsNG0021_AtTheKernel(string layer)
    {
        Diagnostic d = AssertSingle("NG0021", $"[Network] [Input(1, 4, 4)] {layer} " + Tail);
        Assert.Contains("at most", d.GetMessage());
    }

    [Fact]
    public void PoolingThatDropsARow_ReportsNG0022_AtTheAttribute_SuggestingAStride()
    {
        Diagnostic d = AssertSingle("NG0022", "[Network] [Input(3, 5, 5)] [[|MaxPool2D(2)|]] " + Tail);
        Assert.Equal(
            "MaxPool2D1 does not fit its 3x5x5 input a whole number of times: in height, (5 + 2*0 - 2) / 2 + 1 = 2.5 outputs, " +
            "so PyTorch would silently drop the last row: use Stride = 1 or 3", d.GetMessage());
    }

    [Fact]
    public void StridedConvolutionThatDropsRows_ReportsNG0022_AtTheStride_SuggestingPaddingStrideOrSamePadding()
    {
        Diagnostic d = AssertSingle("NG0022", "[Network] [Input(1, 8, 8)] [Conv2D(4, 3, [|Stride = 3|])] " + Tail);
        Assert.Contains("in height, (8 + 2*0 - 3) / 3 + 1 = 2.667 outputs", d.GetMessage());
        Assert.Contains("the last 2 rows", d.GetMessage());
        Assert.EndsWith("use Padding = 2, or Stride = 1 or 5, or SamePadding = true", d.GetMessage());
    }

    [Fact]
    public void ConvolutionThatFitsOnlyOneDimension_ReportsNG0022_ForTheOther_SuggestingWhatFitsBoth()
    {
        // Height 9 fits (6 / 3 is whole), width 8 does not; no padding fits both, so only the stride is offered.
        Diagnostic d = AssertSingle("NG0022", "[Network] [Input(1, 9, 8)] [Conv2D(4, 3, [|Stride = 3|])] " + Tail);
        Assert.Contains("in width, (8 + 2*0 - 3) / 3 + 1 = 2.667 outputs, so PyTorch would silently drop the last 2 columns", d.GetMessage());
        Assert.EndsWith("use Stride = 1, or SamePadding = true", d.GetMessage());
    }

    [Theory]
    [InlineData("[Input(1, 28, 28)] [[|Reshape(1, 27, 28)|]]", "multiply to 756; make them multiply to 784")]
    [InlineData("[Input(784)] [[|Reshape(-1, 5, 5)|]]", "multiply to 25, which does not divide 784")]
    public void ReshapeChangingTheElementCount_ReportsNG0023_AtTheReshape(string layers, string expected)
    {
        Diagnostic d = AssertSingle("NG0023", $"[Network] {layers} " + Tail);
        Assert.Contains(expected, d.GetMessage());
    }

    [Theory]
    [InlineData("[Reshape(-1, [|-1|], 4)]")]
    [InlineData("[Reshape(2, [|0|], 8)]")]
    [InlineData("[Reshape([|-3|], 16)]")]
    public void InvalidReshapeDimension_ReportsNG0024_AtThatDimension(string reshape) =>
        AssertSingle("NG0024", $"[Network] [Input(32)] {reshape} " + Tail);

    [Theory]
    [InlineData("[Conv2D(4, 4, SamePadding = true)]")]
    [InlineData("[Conv2D(4, 2, Dilation = 3, SamePadding = true)]")]
    [InlineData("[Conv2D(4, 6, Stride = 3, SamePadding = true)]")]
    public void SamePaddingWithEvenKernel_ReportsNothing_AsKerasAllowsIt(string conv) =>
        Infrastructure.GeneratorHarness.RunClean("using NetGen; [Network] [Input(1, 8, 7)] " + conv + " " + Tail);

    [Fact]
    public void PaddingAndSamePadding_ReportsNG0026_AtPadding() =>
        AssertSingle("NG0026", "[Network] [Input(1, 8, 8)] [Conv2D(4, 3, [|Padding = 1|], SamePadding = true)] " + Tail);

    [Theory]
    [InlineData("[Conv2D([|0|], 3)]")]
    [InlineData("[Conv2D(4, [|-3|])]")]
    [InlineData("[Conv2D(4, 3, [|Stride = 0|])]")]
    [InlineData("[Conv2D(4, 3, [|Dilation = 0|])]")]
    [InlineData("[MaxPool2D([|0|])]")]
    [InlineData("[AvgPool2D(2, [|Stride = -2|])]")]
    public void NonPositiveConvolutionOrPoolingSize_ReportsNG0003_AtTheArgument(string layer) =>
        AssertSingle("NG0003", $"[Network] [Input(1, 8, 8)] {layer} " + Tail);

    [Theory]
    [InlineData("[Conv2D(4, 3, [|Padding = -1|])]")]
    [InlineData("[MaxPool2D(2, [|Padding = 2|])]")]
    [InlineData("[AvgPool2D(3, Stride = 1, [|Padding = -1|])]")]
    [InlineData("[Conv2D(4, 3, Activation = Activation.LeakyReLU, [|ActivationAlpha = -0.1|])]")]
    public void NegativeOrTooLargePaddingOrAlpha_ReportsNG0009_AtTheArgument(string layer)
    {
        Diagnostic d = AssertSingle("NG0009", $"[Network] [Input(1, 8, 8)] {layer} " + Tail);
        Assert.Contains(layer.Contains("Alpha") ? "ActivationAlpha" : "Padding", d.GetMessage());
    }

    [Fact]
    public void ConvolutionUniformInitWithoutScale_ReportsNG0045_AtInit() =>
        AssertSingle("NG0045", "[Network] [Input(1, 8, 8)] [Conv2D(4, 3, [|Init = WeightInit.Uniform|])] " + Tail);
}
