using System.Diagnostics;
using NetGen.Tests.Data;
using NetGen.Tests.Networks;
using Xunit.Abstractions;

namespace NetGen.Tests.Onnx;

/// <summary>A fact that needs Python's onnx package: skipped, saying how to install it, only when it is absent.</summary>
public sealed class PythonOnnxFactAttribute : FactAttribute
{
    public const string SkipReason = "needs python3 with the onnx package (Debian: apt-get install python3-onnx)";

    public PythonOnnxFactAttribute()
    {
        if (!OnnxCheckerTests.PythonOnnxAvailable.Value) Skip = SkipReason;
    }
}

/// <summary>
/// The reference implementation's judgement of the files, independent of ONNX Runtime: <c>onnx.checker.check_model</c>
/// with <c>full_check</c> (schema of every node, types, strict shape inference) accepts every exported network.
/// </summary>
public sealed class OnnxCheckerTests(ITestOutputHelper output)
{
    private const string Script = """
        import sys, onnx
        from onnx import checker, helper
        for path in sys.argv[1:]:
            model = onnx.load(path)
            checker.check_model(model, full_check=True)
            print(path.rsplit('/', 1)[-1], model.ir_version, model.opset_import[0].version, helper.printable_value_info(model.graph.output[0]))
        """;

    // The first interpreter that imports onnx: the one on PATH, else Debian's (a pyenv shim may shadow it).
    private static readonly Lazy<string?> Python = new(() =>
        new[] { "python3", "/usr/bin/python3" }.FirstOrDefault(python => RunPython(python, ["-c", "import onnx"], out _) == 0));

    internal static readonly Lazy<bool> PythonOnnxAvailable = new(() => Python.Value is not null);

    private static int RunPython(string python, string[] arguments, out string text)
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

    [PythonOnnxFact]
    public void EveryExportedNetwork_PassesTheOnnxCheckerWithFullCheck()
    {
        using var folder = new TemporaryFolder();
        var files = new List<string>();
        void Export(string name, Action<string> export)
        {
            string path = folder.File(name + ".onnx");
            export(path);
            files.Add(path);
        }

        Export(nameof(OnnxMlpNet), new OnnxMlpNet().ExportOnnx);
        Export(nameof(OnnxLeNet), new OnnxLeNet().ExportOnnx);
        Export(nameof(ConvGradientNet), new ConvGradientNet().ExportOnnx);
        Export(nameof(StridedConvGradientNet), new StridedConvGradientNet().ExportOnnx);
        Export(nameof(OnnxSequenceNet), new OnnxSequenceNet().ExportOnnx);
        Export(nameof(OnnxGruLastStateNet), new OnnxGruLastStateNet().ExportOnnx);
        Export(nameof(LastStateGradientCheckNet), new LastStateGradientCheckNet().ExportOnnx);
        Export(nameof(StatefulShortNet), new StatefulShortNet().ExportOnnx);
        Export(nameof(OnnxSequenceRegressionNet), new OnnxSequenceRegressionNet().ExportOnnx);

        int exit = RunPython(Python.Value!, ["-c", Script, .. files], out string text);
        output.WriteLine(text);
        Assert.True(exit == 0, $"onnx.checker refused a file (exit {exit}):\n{text}");
        foreach (string path in files) Assert.Contains(Path.GetFileName(path), text);
    }
}
