using NetGen.Checkpoints;
using NetGen.Data;
using NetGen.Tests.Data;
using NetGen.Tests.Onnx;

namespace NetGen.Tests.Checkpoints;

/// <summary>
/// The temporary files of atomic saves (checkpoints, ONNX export, IDX files; <see cref="AtomicFile"/>): a save to a long
/// target name works, and a temporary file left by a killed process is removed by the next save of the same target,
/// while those of running processes and of other targets are left alone.
/// </summary>
public sealed class AtomicSaveTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // No Linux or Windows process has this id (Linux's pid_max is at most 2^22).
    private const int DeadProcessId = 2147483646;

    [Fact]
    public void Save_TargetNameOf240Characters_Saves()
    {
        // Before, the temporary name added 38 characters (a dot, a GUID, ".tmp") and passed the 255-character limit.
        string name = new string('c', 240 - ".safetensors".Length) + ".safetensors";
        string path = _folder.File(name);

        Safetensors.Save(path, [("w", [2], new float[] { 1, 2 })]);
        Idx.WriteLabels(path, [1, 2]);   // the same target again, through the IDX writer
        new OnnxMlpNet().ExportOnnx(_folder.File(new string('o', 240 - ".onnx".Length) + ".onnx"));

        Assert.Equal([1, 2], Idx.ReadLabels(path));
        Assert.Equal(2, Directory.GetFiles(_folder.FullPath).Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(200)]
    [InlineData(255)]
    public void TemporaryName_FitsWheneverTheTargetNameFits(int targetLength)
    {
        string prefix = AtomicFile.TemporaryPrefix(new string('n', targetLength));
        // The prefix, a process id of up to 10 digits, a dash, 8 hex digits and ".tmp".
        Assert.True(prefix.Length + 10 + 1 + 8 + 4 <= 255, $"a {targetLength}-character target gets a {prefix.Length + 23}-character temporary name.");
    }

    [Fact]
    public void Save_RemovesTheStaleTemporaryOfAKilledProcess_AndKeepsOthers()
    {
        string path = _folder.File("model.safetensors");
        string prefix = AtomicFile.TemporaryPrefix("model.safetensors");
        string stale = _folder.File($"{prefix}{DeadProcessId}-0badf00d.tmp");
        string running = _folder.File($"{prefix}{Environment.ProcessId}-00000001.tmp");   // a save under way in this process
        string otherTarget = _folder.File($"{AtomicFile.TemporaryPrefix("other.safetensors")}{DeadProcessId}-00000002.tmp");
        foreach (string file in new[] { stale, running, otherTarget }) File.WriteAllBytes(file, new byte[100]);

        Safetensors.Save(path, [("w", [1], new float[] { 1 })]);

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(running));
        Assert.True(File.Exists(otherTarget));
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Save_LongTargetsSharingTheirFirst200Characters_DoNotRemoveEachOthersTemporaries()
    {
        string shared = new string('s', 200);
        string stale = _folder.File($"{AtomicFile.TemporaryPrefix(shared + "-b.bin")}{DeadProcessId}-00000003.tmp");
        File.WriteAllBytes(stale, new byte[10]);

        Idx.WriteLabels(_folder.File(shared + "-a.bin"), [1]);

        Assert.True(File.Exists(stale));
        Assert.NotEqual(AtomicFile.TemporaryPrefix(shared + "-a.bin"), AtomicFile.TemporaryPrefix(shared + "-b.bin"));
    }
}
