using System.Diagnostics;
using System.Runtime.InteropServices;
using NetGen.Tests.Data;
using NetGen.Tests.Kernels;
using Kernel = NetGen.Kernels.Attention;

namespace NetGen.Tests.Attention;

/// <summary>A fact that needs python3 with torch: skipped, saying how to install it, only when it is absent.</summary>
public sealed class PythonTorchFactAttribute : FactAttribute
{
    public const string SkipReason = "needs python3 with torch (Debian: apt-get install python3-torch)";

    public PythonTorchFactAttribute()
    {
        if (AttentionTorchTests.Python.Value is null) Skip = SkipReason;
    }
}

/// <summary>
/// The attention kernels against PyTorch on a random case: the masked-softmax attention of nanoGPT (what
/// ../shared/bench/pytorch_peer.py runs) from the same fused qkv, forward and autograd backward, in float32.
/// </summary>
public sealed class AttentionTorchTests
{
    private const string Script = """
        import sys, numpy as np, torch
        folder, B, T, H, hs, causal = sys.argv[1], *map(int, sys.argv[2:7])
        D = H * hs
        qkv = torch.from_numpy(np.fromfile(folder + "/qkv.bin", dtype=np.float32).reshape(B, T, 3 * D)).requires_grad_()
        dy = torch.from_numpy(np.fromfile(folder + "/dy.bin", dtype=np.float32).reshape(B, T, D))
        q, k, v = (t.view(B, T, H, hs).transpose(1, 2) for t in qkv.split(D, dim=2))
        att = (q @ k.transpose(-2, -1)) * (1.0 / hs ** 0.5)
        if causal: att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, D)
        y.backward(dy)
        y.detach().numpy().tofile(folder + "/y.bin")
        qkv.grad.numpy().tofile(folder + "/dqkv.bin")
        print(torch.__version__)
        """;

    // The first interpreter that imports torch: the one on PATH, else Debian's (a pyenv shim may shadow it).
    internal static readonly Lazy<string?> Python = new(() =>
        new[] { "python3", "/usr/bin/python3" }.FirstOrDefault(python => RunPython(python, ["-c", "import torch, numpy"], out _) == 0));

    [PythonTorchFact]
    public void AttentionForwardAndBackward_MatchPyTorch()
    {
        foreach (bool causal in new[] { true, false })
        {
            const int batch = 2, steps = 37, heads = 3, headSize = 16, width = heads * headSize;
            float[] qkv = Numerics.Random(batch * steps * 3 * width, 51, -2f, 2f), dy = Numerics.Random(batch * steps * width, 52);
            float[] y = new float[dy.Length], saved = new float[Kernel.SavedSize(batch, heads, steps)], dqkv = new float[qkv.Length];
            var rng = new Rng(1);
            Kernel.Forward(qkv, y, saved, batch, steps, heads, headSize, causal, 0f, ref rng);
            Kernel.Backward(dy, qkv, saved, dqkv, batch, steps, heads, headSize, causal, 0f);

            using var folder = new TemporaryFolder();
            File.WriteAllBytes(folder.File("qkv.bin"), MemoryMarshal.AsBytes(qkv.AsSpan()).ToArray());
            File.WriteAllBytes(folder.File("dy.bin"), MemoryMarshal.AsBytes(dy.AsSpan()).ToArray());
            int exit = RunPython(Python.Value!, ["-c", Script, folder.FullPath,
                $"{batch}", $"{steps}", $"{heads}", $"{headSize}", causal ? "1" : "0"], out string text);
            Assert.True(exit == 0, $"python3 failed ({exit}): {text}");
            float[] torchY = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(folder.File("y.bin"))).ToArray();
            float[] torchDqkv = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(folder.File("dqkv.bin"))).ToArray();
            // Both in float32 with different summation orders: a few ulps of values of order 1.
            Numerics.AssertClose(torchY, y, 1e-5, 1e-4, $"y against torch {text.Trim()} (causal {causal})");
            Numerics.AssertClose(torchDqkv, dqkv, 3e-5, 1e-3, $"dqkv against torch {text.Trim()} (causal {causal})");
        }
    }

    internal static int RunPython(string python, string[] arguments, out string text)
    {
        try
        {
            var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string argument in arguments) start.ArgumentList.Add(argument);
            using Process process = Process.Start(start)!;
            Task<string> error = process.StandardError.ReadToEndAsync();
            text = process.StandardOutput.ReadToEnd() + error.Result;
            if (!process.WaitForExit(120_000))
            {
                process.Kill();
                return -1;
            }
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            text = e.Message;
            return -1;
        }
    }
}
