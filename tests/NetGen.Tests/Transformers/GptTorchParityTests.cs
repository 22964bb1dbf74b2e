using System.Diagnostics;
using System.Runtime.InteropServices;
using NetGen.Tests.Attention;
using NetGen.Tests.Data;

namespace NetGen.Tests.Transformers;

/// <summary>
/// TinyGpt against PyTorch: a nanoGPT-shaped torch module (wte, wpe, h.N.{ln_1, attn.c_attn, attn.c_proj, ln_2,
/// mlp.c_fc, mlp.c_proj}, ln_f, lm_head) initialized by torch writes its state_dict as safetensors; the generated class
/// loads it by those names, and both take 20 AdamW steps (lr 1e-2, weight decay 0.1 on every parameter, clipping at
/// norm 1) on the same batches. Skipped, saying so, where python3 with torch is absent.
/// </summary>
public sealed class GptTorchParityTests
{
    private const string Script = """
        import sys, json, struct, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
        folder, steps = sys.argv[1], int(sys.argv[2])
        V, D, H, T, B, L = 11, 8, 2, 6, 2, 2
        torch.manual_seed(0)
        class Attn(nn.Module):
            def __init__(s):
                super().__init__(); s.c_attn = nn.Linear(D, 3 * D); s.c_proj = nn.Linear(D, D)
            def forward(s, x):
                q, k, v = (t.view(B, T, H, D // H).transpose(1, 2) for t in s.c_attn(x).split(D, dim=2))
                att = (q @ k.transpose(-2, -1)) * (1.0 / (D // H) ** 0.5)
                att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf")).softmax(-1)
                return s.c_proj((att @ v).transpose(1, 2).reshape(B, T, D))
        class Mlp(nn.Module):
            def __init__(s):
                super().__init__(); s.c_fc = nn.Linear(D, 32); s.c_proj = nn.Linear(32, D)
            def forward(s, x): return s.c_proj(F.gelu(s.c_fc(x)))
        class Block(nn.Module):
            def __init__(s):
                super().__init__(); s.ln_1 = nn.LayerNorm(D); s.attn = Attn(); s.ln_2 = nn.LayerNorm(D); s.mlp = Mlp()
            def forward(s, x):
                x = x + s.attn(s.ln_1(x)); return x + s.mlp(s.ln_2(x))
        class Gpt(nn.Module):
            def __init__(s):
                super().__init__(); s.wte = nn.Embedding(V, D); s.wpe = nn.Embedding(T, D)
                s.h = nn.ModuleList([Block() for _ in range(L)]); s.ln_f = nn.LayerNorm(D); s.lm_head = nn.Linear(D, V)
            def forward(s, x):
                x = s.wte(x) + s.wpe(torch.arange(T))
                for b in s.h: x = b(x)
                return s.lm_head(s.ln_f(x))
        m = Gpt()
        # safetensors, written by hand (the package may be absent): header length, JSON header, raw little-endian F32.
        header, blobs, offset = {}, [], 0
        for name, t in m.state_dict().items():
            data = t.detach().numpy().astype("<f4").tobytes()
            header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
            blobs.append(data); offset += len(data)
        text = json.dumps(header).encode()
        with open(folder + "/init.safetensors", "wb") as f:
            f.write(struct.pack("<Q", len(text))); f.write(text); f.write(b"".join(blobs))
        tokens = torch.from_numpy(np.fromfile(folder + "/tokens.bin", dtype=np.int32).astype(np.int64)).view(steps, B, T)
        labels = torch.from_numpy(np.fromfile(folder + "/labels.bin", dtype=np.int32).astype(np.int64)).view(steps, B, T)
        opt = torch.optim.AdamW(m.parameters(), 1e-2, weight_decay=0.1)
        losses = []
        for i in range(steps):
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(m(tokens[i]).reshape(-1, V), labels[i].reshape(-1)); loss.backward()
            torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
            losses.append(loss.item())
        np.array(losses, dtype=np.float32).tofile(folder + "/losses.bin")
        print(torch.__version__)
        """;

    [PythonTorchFact]
    public void TinyGpt_LoadsATorchStateDictAndTwentyAdamWStepsGiveTorchsLosses()
    {
        const int Steps = 20, Count = 2 * 6;
        var rng = new Rng(17);
        int[] tokens = Enumerable.Range(0, Steps * Count).Select(_ => rng.NextInt(11)).ToArray();
        int[] labels = Enumerable.Range(0, Steps * Count).Select(_ => rng.NextInt(11)).ToArray();
        using var folder = new TemporaryFolder();
        File.WriteAllBytes(folder.File("tokens.bin"), MemoryMarshal.AsBytes(tokens.AsSpan()).ToArray());
        File.WriteAllBytes(folder.File("labels.bin"), MemoryMarshal.AsBytes(labels.AsSpan()).ToArray());
        int exit = RunPython(AttentionTorchTests.Python.Value!, ["-c", Script, folder.FullPath, $"{Steps}"], out string text);
        Assert.True(exit == 0, $"python3 failed ({exit}): {text}");
        float[] torchLosses = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(folder.File("losses.bin"))).ToArray();

        var net = new TinyGpt();
        net.LoadCheckpoint(folder.File("init.safetensors"));
        var losses = new float[Steps];
        for (int i = 0; i < Steps; i++) losses[i] = net.TrainStep(tokens.AsSpan(i * Count, Count), labels.AsSpan(i * Count, Count));

        // The first loss checks the loaded weights and the forward pass; the later ones backward and AdamW too. Both
        // sides are float32 with different summation orders, and 20 updates of lr 1e-2 amplify a few ulps.
        Console.WriteLine($"torch {text.Trim()}: " + string.Join(", ", torchLosses.Select((l, i) => $"{l:F5}/{losses[i]:F5}")));
        Assert.True(Math.Abs(torchLosses[0] - losses[0]) < 1e-5, $"step 1: torch {torchLosses[0]}, NetGen {losses[0]}");
        for (int i = 0; i < Steps; i++)
            Assert.True(Math.Abs(torchLosses[i] - losses[i]) < 2e-4 * (1 + i), $"step {i + 1}: torch {torchLosses[i]}, NetGen {losses[i]}");
    }

    private static int RunPython(string python, string[] arguments, out string text)
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
}
