using System;
using System.Text;

namespace NetGen.Generators.Emit;

/// <summary>A small text writer that tracks indentation (after System.Text.Json's SourceWriter).</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new();
    private int _indentation;

    public int Indentation
    {
        get => _indentation;
        set => _indentation = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public void WriteLine() => _builder.Append('\n');

    /// <summary>Writes one or more lines (split on '\n'), each at the current indentation.</summary>
    public void WriteLine(string text)
    {
        foreach (string line in text.Split('\n'))
        {
            if (line.Length > 0) _builder.Append(' ', 4 * _indentation).Append(line);
            _builder.Append('\n');
        }
    }

    /// <summary>Appends text that is already indented, as it is.</summary>
    public void WriteRaw(string text) => _builder.Append(text);

    public void OpenBrace()
    {
        WriteLine("{");
        Indentation++;
    }

    public void CloseBrace(string suffix = "")
    {
        Indentation--;
        WriteLine("}" + suffix);
    }

    public override string ToString() => _builder.ToString();
}
