using Microsoft.CodeAnalysis;
using NetGen.Generators.Emit;
using NetGen.Generators.Model;
using NetGen.Generators.Onnx;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests.Onnx;

/// <summary>
/// The generator never throws on any file: truncated prefixes, flipped bytes and random bytes either import, or give a
/// diagnostic that is not NG9999 (an internal error). The reader and importer are run directly for thousands of files,
/// and the whole generator for a sample of them.
/// </summary>
public sealed class OnnxRobustnessTests
{
    private static readonly NetworkModel Declared = new(null, "Net", 4, 0, EquatableArray<int>.Empty, EquatableArray<LayerSpec>.Empty,
        new LossSpec(LossKind.SoftmaxCrossEntropy), new OptimizerSpec(OptimizerKind.Adam, 1e-3, 0, false, 0.9, 0.999, 1e-8, 0));

    private static string RepositoryRoot()
    {
        string folder = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(folder, "NetGen.sln"))) folder = Path.GetDirectoryName(folder)!;
        return folder;
    }

    /// <summary>PyTorch's test models and the hand-built classifier.</summary>
    public static TheoryData<string> Models => new() { "mlp.onnx", "lenet5.onnx", "residual_cnn.onnx", "branches.onnx", "lstm_rows.onnx", "token_gru.onnx", "layernorm_mlp.onnx", "classifier" };

    private static byte[] Load(string name) => name == "classifier"
        ? OnnxBytes.Classifier()
        : File.ReadAllBytes(Path.Combine(RepositoryRoot(), "tests", "NetGen.Tests", "OnnxModels", name));

    /// <summary>Reads and imports the bytes (and emits the code when they import): whatever happens, no exception and no NG9999.</summary>
    private static bool ImportsCleanly(byte[] bytes, bool emit)
    {
        (OnnxModel? model, string? error) = OnnxFileReader.Read(bytes);
        if (model is null)
        {
            Assert.False(string.IsNullOrEmpty(error));
            return false;
        }

        OnnxPipeline.Imported imported = OnnxPipeline.ImportModel(model, Declared, "fuzz.onnx");
        OnnxProblem? internalError = imported.Problems.FirstOrDefault(p => p.DiagnosticId == DiagnosticIds.InternalError);
        Assert.True(internalError is null, internalError is null ? "" : string.Join(" | ", internalError.Arguments));
        if (imported.Network is null) return false;
        if (emit)
        {
            Assert.NotEmpty(CpuEmitter.Emit(imported.Network));
            Assert.NotEmpty(OnnxWeightsEmitter.Emit(imported.Weights!));
        }

        return true;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryTruncatedPrefix_IsRejectedOrImported_NeverThrows(string name)
    {
        byte[] model = Load(name);
        Assert.True(ImportsCleanly(model, emit: true));
        int step = Math.Max(1, model.Length / 1500);
        for (int length = 0; length < model.Length; length += step)
        {
            ImportsCleanly(model.AsSpan(0, length).ToArray(), emit: false);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void FlippedBytes_AreRejectedOrImported_NeverThrow(string name)
    {
        byte[] model = Load(name);
        var random = new Random(name.Length);
        int imported = 0;
        for (int trial = 0; trial < 400; trial++)
        {
            byte[] corrupt = (byte[])model.Clone();
            // Structure lives outside the large weight blocks: aim most flips at the first and last kilobyte.
            for (int flips = 0; flips < 1 + trial % 3; flips++)
            {
                int position = trial % 2 == 0 ? random.Next(corrupt.Length) : random.Next(2) == 0 ? random.Next(Math.Min(1024, corrupt.Length)) : corrupt.Length - 1 - random.Next(Math.Min(1024, corrupt.Length));
                corrupt[position] = (byte)random.Next(256);
            }

            if (ImportsCleanly(corrupt, emit: trial % 20 == 0)) imported++;
        }

        Assert.True(imported > 0, "some flips land in weights and still import");
    }

    [Fact]
    public void RandomBytes_AreRejected_NeverThrow()
    {
        var random = new Random(24);
        for (int trial = 0; trial < 3000; trial++)
        {
            byte[] bytes = new byte[random.Next(0, trial < 2000 ? 64 : 4096)];
            random.NextBytes(bytes);
            if (trial % 3 == 0 && bytes.Length > 2) bytes[0] = 0x08; // looks like ModelProto's ir_version key
            ImportsCleanly(bytes, emit: false);
        }
    }

    [Fact]
    public void WholeGenerator_OnTruncatedAndRandomFiles_ReportsAndNeverFailsInternally()
    {
        const string Source = """
            using NetGen;
            [Network(BatchSize = 4)] [OnnxModel("models/net.onnx")] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """;
        byte[] model = OnnxBytes.Classifier();
        var random = new Random(5);
        var files = Enumerable.Range(1, 12).Select(i => model.AsSpan(0, model.Length * i / 13).ToArray())
            .Concat(Enumerable.Range(0, 8).Select(i => { byte[] b = new byte[random.Next(1, 500)]; random.NextBytes(b); return b; }));
        foreach (byte[] file in files)
        {
            GeneratorRun run = OnnxHarness.Run(Source, ("models/net.onnx", file));
            Assert.NotEmpty(run.GeneratorDiagnostics);
            Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == DiagnosticIds.InternalError);
            Assert.All(run.GeneratorDiagnostics, d => Assert.StartsWith("NG04", d.Id));
        }
    }
}
