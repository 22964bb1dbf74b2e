namespace NetGen.CodeFixes.Tests;

/// <summary>
/// NG0009: the fix puts in the value the message suggests (Adam's learning rate 1e-3, momentum 0.9,
/// beta2 0.999...), in the argument the diagnostic points at or the one the message names, and the
/// network then generates.
/// </summary>
public sealed class UseSuggestedValueCodeFixTests
{
    private static string Network(string optimizer) => $$"""
        using NetGen;

        namespace Demo;

        [Network(BatchSize = 4)]
        [Input(3)]
        [Dense(2)]
        [SoftmaxCrossEntropy]
        {{optimizer}}
        public partial class Mlp;

        """;

    [Fact]
    public Task NegativeAdamLearningRate_Becomes1e3() =>
        CodeFixHarness.VerifyAsync<UseSuggestedValueCodeFix>(
            Network("[Adam(LearningRate = -1)]"), "NG0009", "Use LearningRate = 1e-3",
            Network("[Adam(LearningRate = 1e-3)]"));

    [Fact]
    public Task ZeroSgdLearningRate_Becomes001_OtherArgumentsUntouched() =>
        CodeFixHarness.VerifyAsync<UseSuggestedValueCodeFix>(
            Network("[Sgd(LearningRate = 0, Momentum = 0.5)]"), "NG0009", "Use LearningRate = 0.01",
            Network("[Sgd(LearningRate = 0.01, Momentum = 0.5)]"));

    [Fact]
    public Task MomentumOfOneOrMore_Becomes09() =>
        CodeFixHarness.VerifyAsync<UseSuggestedValueCodeFix>(
            Network("[Sgd(LearningRate = 0.1, Momentum = 1.5)]"), "NG0009", "Use Momentum = 0.9",
            Network("[Sgd(LearningRate = 0.1, Momentum = 0.9)]"));

    [Fact]
    public Task AdamBeta2OfOne_Becomes0999() =>
        CodeFixHarness.VerifyAsync<UseSuggestedValueCodeFix>(
            Network("[Adam(Beta2 = 1.0)]"), "NG0009", "Use Beta2 = 0.999",
            Network("[Adam(Beta2 = 0.999)]"));

    [Fact]
    public Task NesterovWithoutMomentum_AddsMomentum09() =>
        CodeFixHarness.VerifyAsync<UseSuggestedValueCodeFix>(
            Network("[Sgd(LearningRate = 0.1, Nesterov = true)]"), "NG0009", "Use Momentum = 0.9",
            Network("[Sgd(LearningRate = 0.1, Nesterov = true, Momentum = 0.9)]"));

    [Fact]
    public Task NesterovWithZeroMomentum_SetsTheWrittenMomentum() =>
        CodeFixHarness.VerifyAsync<UseSuggestedValueCodeFix>(
            Network("[Sgd(Momentum = 0, Nesterov = true)]"), "NG0009", "Use Momentum = 0.9",
            Network("[Sgd(Momentum = 0.9, Nesterov = true)]"));

    [Fact]
    public async Task TwoValuesOutOfRange_EachGetsItsOwnFix()
    {
        var (_, diagnostics, actions) = await CodeFixHarness.ActionsAsync<UseSuggestedValueCodeFix>(
            Network("[Adam(LearningRate = -1, Epsilon = 0)]"), "NG0009");
        Assert.Equal(2, diagnostics.Length);
        Assert.Equal(["Use LearningRate = 1e-3", "Use Epsilon = 1e-8"], actions.Select(a => a.Title).Order(StringComparer.Ordinal).Reverse());
    }
}
