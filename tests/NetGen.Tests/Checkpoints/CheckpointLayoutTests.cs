using NetGen.Checkpoints;
using NetGen.Tests.Data;
using NetGen.Tests.Networks;

namespace NetGen.Tests.Checkpoints;

/// <summary>
/// A generated network saved through a <see cref="CheckpointLayout"/> (written here as the generator
/// will emit it) reloads exactly: same parameters, optimizer state and step, so training resumes with
/// the same losses; a checkpoint of another architecture is refused before anything changes.
/// </summary>
public sealed class CheckpointLayoutTests
{
    // XorNet: Input(2) -> Dense(8, Tanh) -> Dense(2), Adam. Offsets as the generated table gives them.
    private static readonly CheckpointLayout XorLayout = new(nameof(XorNet), XorNet.ParameterCount,
    [
        new("dense1.weight", [8, 2], 0),
        new("dense1.bias", [8], 16),
        new("dense2.weight", [2, 8], 24),
        new("dense2.bias", [2], 40),
    ],
    optimizerStateNames: ["exp_avg", "exp_avg_sq"]);

    private static readonly float[] Inputs = [0, 0, 0, 1, 1, 0, 1, 1];
    private static readonly int[] Labels = [0, 1, 1, 0];

    private static (float[] Parameters, float[] OptimizerState) Buffers(XorNet network) =>
        (network.Parameters.ToArray(), network.OptimizerState.ToArray());

    [Fact]
    public void SaveThenLoad_RestoresParametersOptimizerStateAndStep_SoTrainingResumesIdentically()
    {
        Assert.Equal(42, XorNet.ParameterCount);
        using var folder = new TemporaryFolder();
        string path = folder.File("xor.safetensors");
        var original = new XorNet();
        for (int i = 0; i < 5; i++) original.TrainStep(Inputs, Labels);
        float[] originalParameters = original.Parameters.ToArray();
        float[] originalState = original.OptimizerState.ToArray();
        (float[] parameters, float[] optimizerState) = Buffers(original);

        XorLayout.Save(path, parameters, optimizerState, original.StepCount);

        var restored = new XorNet();
        restored.ResetParameters(seed: 99);
        (float[] restoredParameters, float[] restoredState) = Buffers(restored);
        int step = XorLayout.Load(path, restoredParameters, restoredState);
        Assert.Equal(5, step);
        Assert.Equal(originalParameters, restoredParameters);
        Assert.Equal(originalState, restoredState);

        // Resume: copy into the second network and train both on; the losses agree to the bit
        // (same parameters, moments and step, so Adam's bias correction matches too).
        restoredParameters.CopyTo(restored.Parameters);
        restoredState.CopyTo(restored.OptimizerState);
        for (int i = 0; i < step; i++) restored.TrainStep(Inputs, Labels);   // bring the step count to 5 ...
        restoredParameters.CopyTo(restored.Parameters);                       // ... then put the checkpoint back
        restoredState.CopyTo(restored.OptimizerState);
        Assert.Equal(original.StepCount, restored.StepCount);
        for (int i = 0; i < 3; i++) Assert.Equal(original.TrainStep(Inputs, Labels), restored.TrainStep(Inputs, Labels));
    }

    [Fact]
    public void Save_WritesPyTorchStyleNamesShapesAndMetadata()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("xor.safetensors");
        var network = new XorNet();
        network.TrainStep(Inputs, Labels);
        (float[] parameters, float[] optimizerState) = Buffers(network);

        XorLayout.Save(path, parameters, optimizerState, network.StepCount);
        SafetensorsFile file = Safetensors.Load(path);

        Assert.Equal(
        [
            "dense1.weight", "dense1.bias", "dense2.weight", "dense2.bias",
            "optimizer.exp_avg.dense1.weight", "optimizer.exp_avg.dense1.bias", "optimizer.exp_avg.dense2.weight", "optimizer.exp_avg.dense2.bias",
            "optimizer.exp_avg_sq.dense1.weight", "optimizer.exp_avg_sq.dense1.bias", "optimizer.exp_avg_sq.dense2.weight", "optimizer.exp_avg_sq.dense2.bias",
        ], file.Tensors.Select(t => t.Name));
        Assert.Equal(network.Dense1Weight.ToArray(), file["dense1.weight"].Data);
        Assert.Equal([8, 2], file["dense1.weight"].Shape);
        Assert.Equal(network.Dense2Bias.ToArray(), file["dense2.bias"].Data);
        Assert.Equal(optimizerState.AsSpan(XorNet.ParameterCount + 24, 16).ToArray(), file["optimizer.exp_avg_sq.dense2.weight"].Data);
        Assert.Equal(new Dictionary<string, string>
        {
            ["format"] = "pt", ["netgen.network"] = "XorNet", ["netgen.step"] = "1", ["netgen.optimizer_state"] = "exp_avg,exp_avg_sq",
        }, file.Metadata);
    }

    [Fact]
    public void Load_CheckpointOfAnotherArchitecture_NamesTensorAndShapes_AndChangesNothing()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("wide.safetensors");
        // Same names, but a hidden layer of 16 instead of 8: dense1.weight is [16, 2].
        var wide = new CheckpointLayout("Wide", 16 * 2 + 16 + 2 * 16 + 2,
            [new("dense1.weight", [16, 2], 0), new("dense1.bias", [16], 32), new("dense2.weight", [2, 16], 48), new("dense2.bias", [2], 80)], []);
        wide.Save(path, new float[82], ReadOnlyMemory<float>.Empty, step: 0);

        float[] parameters = Enumerable.Repeat(1f, XorNet.ParameterCount).ToArray();
        float[] state = Enumerable.Repeat(2f, 2 * XorNet.ParameterCount).ToArray();
        var error = Assert.Throws<InvalidDataException>(() => XorLayout.Load(path, parameters, state));

        Assert.Equal($"file {path}: tensor 'dense1.weight' has shape [16, 2], but [8, 2] is expected.", error.Message);
        Assert.All(parameters, v => Assert.Equal(1f, v));
        Assert.All(state, v => Assert.Equal(2f, v));
    }

    [Fact]
    public void Load_WeightsOnlyFile_LoadsParameters_ClearsOptimizerState_StepZero()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("weights.safetensors");
        var network = new XorNet();
        network.TrainStep(Inputs, Labels);
        float[] parameters = network.Parameters.ToArray();
        // As PyTorch's save_file(model.state_dict()) would write it: parameters only, plus an unrelated buffer.
        Safetensors.Save(path,
        [
            ("dense1.weight", [8, 2], parameters.AsMemory(0, 16)), ("dense1.bias", [8], parameters.AsMemory(16, 8)),
            ("dense2.weight", [2, 8], parameters.AsMemory(24, 16)), ("dense2.bias", [2], parameters.AsMemory(40, 2)),
            ("extra.num_batches_tracked", [], new float[] { 3 }),
        ], new Dictionary<string, string> { ["format"] = "pt" });

        float[] loaded = new float[XorNet.ParameterCount];
        float[] state = Enumerable.Repeat(5f, 2 * XorNet.ParameterCount).ToArray();
        int step = XorLayout.Load(path, loaded, state);

        Assert.Equal(0, step);
        Assert.Equal(parameters, loaded);
        Assert.All(state, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Load_PartOfTheOptimizerStateMissing_IsAnError()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("partial.safetensors");
        float[] parameters = new float[XorNet.ParameterCount];
        Safetensors.Save(path,
        [
            ("dense1.weight", [8, 2], parameters.AsMemory(0, 16)), ("dense1.bias", [8], parameters.AsMemory(16, 8)),
            ("dense2.weight", [2, 8], parameters.AsMemory(24, 16)), ("dense2.bias", [2], parameters.AsMemory(40, 2)),
            ("optimizer.exp_avg.dense1.weight", [8, 2], parameters.AsMemory(0, 16)),
        ]);

        var error = Assert.Throws<InvalidDataException>(() => XorLayout.Load(path, new float[42], new float[84]));

        Assert.Equal($"file {path} has part of the optimizer state but not tensor 'optimizer.exp_avg.dense1.bias'.", error.Message);
    }

    [Fact]
    public void Statistics_SaveUnderTheirOwnNames_AndLoadBack()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("bn.safetensors");
        // A layer with 3 weights and a batch norm over 2 features: running mean and variance in the statistics buffer.
        var layout = new CheckpointLayout("Bn", 3, [new("dense1.weight", [3], 0)], ["momentum_buffer"],
            statistics: [new("batchnorm1.running_mean", [2], 0), new("batchnorm1.running_var", [2], 2)], statisticsCount: 4);
        layout.Save(path, new float[] { 1, 2, 3 }, new float[] { 4, 5, 6 }, new float[] { 0.5f, -0.5f, 1.5f, 2.5f }, step: 7);

        Assert.Equal(["dense1.weight", "batchnorm1.running_mean", "batchnorm1.running_var", "optimizer.momentum_buffer.dense1.weight"],
            Safetensors.Load(path).Tensors.Select(t => t.Name));
        float[] parameters = new float[3], state = new float[3], statistics = new float[4];
        Assert.Equal(7, layout.Load(path, parameters, state, statistics));
        Assert.Equal([1f, 2, 3], parameters);
        Assert.Equal([4f, 5, 6], state);
        Assert.Equal([0.5f, -0.5f, 1.5f, 2.5f], statistics);
        Assert.Contains("outside the 4 statistics",
            Assert.Throws<ArgumentException>(() => new CheckpointLayout("N", 3, [], [], [new("s", [5], 0)], 4)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Layout_OverlappingOrOutOfRangeTensors_AreRejected()
    {
        Assert.Contains("'a' and 'b' overlap at offset 3",
            Assert.Throws<ArgumentException>(() => new CheckpointLayout("N", 10, [new("a", [4], 0), new("b", [2], 3)], [])).Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'a' [4] at offset 8 ends at 12, outside the 10 parameters",
            Assert.Throws<ArgumentException>(() => new CheckpointLayout("N", 10, [new("a", [4], 8)], [])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SaveAndLoad_BuffersOfTheWrongLength_NameTheBuffer()
    {
        using var folder = new TemporaryFolder();
        var error = Assert.Throws<ArgumentException>(() => XorLayout.Save(folder.File("x.safetensors"), new float[41], new float[84], 0));
        Assert.StartsWith("parameters holds 41 floats, but this layout needs 42.", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => XorLayout.Save(folder.File("x.safetensors"), new float[42], new float[42], 0));
        Assert.StartsWith("optimizerState holds 42 floats, but this layout needs 84.", error.Message, StringComparison.Ordinal);
    }
}
