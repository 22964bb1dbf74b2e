using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using NetGen.Generators.Layers;
using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Parser;

/// <summary>
/// Reads a network's layer attributes into the layer list of its graph: each layer, where it reads from (the layer
/// before it, or a name given by From and the joins), the residual connections ([Residual] ... [EndResidual]) and the
/// blocks ([Block(typeof(X), Repeat = n)], expanded copy by copy, each copy's layers named under its prefix as a PyTorch
/// ModuleList's). Keeps, for each layer, the attribute that declared it, where its diagnostics go.
/// </summary>
internal sealed class GraphReader(AttributeReader reader, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
{
    private const string InputName = "input";

    /// <summary>The most layers a network may have once its blocks are unrolled (each one is code in the generated class).</summary>
    public const int MaxLayers = 10_000;

    /// <summary>The layers in order, blocks expanded.</summary>
    public List<LayerSpec> Layers { get; } = new();

    /// <summary>The attribute behind each layer (the [Residual] for a residual join and its projection).</summary>
    public List<AttributeData> Attributes { get; } = new();

    /// <summary>
    /// The network's own attribute that brought each layer in: the layer's attribute, or for a layer of a block copy the
    /// [Block] on the network that repeats it (where a size that only the repetition makes too large is reported).
    /// </summary>
    public List<AttributeData> Origins { get; } = new();

    private AttributeData? _blockOrigin;

    private readonly Stack<INamedTypeSymbol> _blocksBeingRead = new();

    private Scope _scope = new("", -1, "the network");

    /// <summary>One level of naming: the network, or one copy of a block.</summary>
    private sealed class Scope(string prefix, int input, string owner)
    {
        public string Prefix { get; } = prefix;

        /// <summary>What "input" means here: the network input (-1), or the output before the block copy.</summary>
        public int Input { get; } = input;

        /// <summary>The layer whose output the next layer reads by default.</summary>
        public int Previous { get; set; } = input;

        /// <summary>For messages: "the network", "block ResidualMlp".</summary>
        public string Owner { get; } = owner;

        public Dictionary<string, int> Names { get; } = new(System.StringComparer.Ordinal);

        public Dictionary<string, int> Counters { get; } = new(System.StringComparer.Ordinal);

        public Stack<(int Start, AttributeData Attribute, bool Projection, string? Name)> Residuals { get; } = new();
    }

    /// <summary>Whether the attribute belongs to the graph (a layer, a join, a residual bracket or a block).</summary>
    public static bool Handles(string attributeName) => attributeName switch
    {
        "ResidualAttribute" or "EndResidualAttribute" or "AddAttribute" or "ConcatAttribute" or "BlockAttribute" => true,
        _ => IsLayer(attributeName),
    };

    /// <summary>Whether the attribute declares one layer (not a join, residual bracket or block).</summary>
    public static bool IsLayer(string attributeName) => LayerKinds.ForAttribute(attributeName) is not null;

    public void Read(AttributeData attribute)
    {
        string name = attribute.AttributeClass!.Name;
        switch (name)
        {
            case "ResidualAttribute":
                _scope.Residuals.Push((_scope.Previous, attribute, reader.Bool(attribute, "Projection", false), UserName(attribute)));
                return;
            case "EndResidualAttribute":
                CloseResidual(attribute);
                return;
            case "AddAttribute":
            case "ConcatAttribute":
                ReadJoin(attribute, name == "AddAttribute");
                return;
            case "BlockAttribute":
                ReadBlock(attribute);
                return;
        }

        LayerSpec? spec = ReadLayer(attribute, name, Layers.Count);
        if (spec is null) return;
        int source = Resolve(attribute, reader.String(attribute, "From"), "From") ?? _scope.Previous;
        Add(spec with { Inputs = Inputs(source) }, attribute, UserName(attribute));
    }

    /// <summary>Reports a residual connection left open at the end of the network or of a block.</summary>
    public void Finish()
    {
        foreach (var open in _scope.Residuals)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnbalancedResidual, NetworkParser.LocationOf(open.Attribute, cancellationToken),
                $"This [Residual] in {_scope.Owner} is never closed: add [EndResidual] after the last layer of the branch"));
        }
    }

    /// <summary>One layer attribute's spec at <paramref name="index"/>, every argument validated at its location (null for other attributes).</summary>
    public LayerSpec? ReadLayer(AttributeData attribute, string name, int index) => LayerKinds.ForAttribute(name)?.Read(reader, attribute, index);

    /// <summary>[Add(...)] or [Concat(...)]: one name joins the previous output with it; several join those named.</summary>
    private void ReadJoin(AttributeData attribute, bool add)
    {
        string[] names = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Kind == TypedConstantKind.Array && !attribute.ConstructorArguments[0].IsNull
            ? attribute.ConstructorArguments[0].Values.Select(v => v.Value as string ?? "").ToArray()
            : System.Array.Empty<string>();
        string kind = add ? "[Add]" : "[Concat]";
        if (names.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidJoin, NetworkParser.LocationOf(attribute, cancellationToken),
                $"{kind} names no output to join: write {kind.TrimEnd(']')}(\"name\")] to join the previous layer's output with the layer named name, or list two or more names"));
            return;
        }

        var sources = new List<int>();
        if (names.Length == 1) sources.Add(_scope.Previous);
        for (int i = 0; i < names.Length; i++)
        {
            int? source = Resolve(attribute, names[i], null, i);
            if (source is null) return;
            sources.Add(source.Value);
        }

        int index = Layers.Count;
        LayerSpec join = add ? new AddSpec(index) : new ConcatSpec(index, reader.Int(attribute, "Axis", 0));
        Add(join with { Inputs = sources.ToEquatableArray() }, attribute, UserName(attribute));
    }

    private void CloseResidual(AttributeData attribute)
    {
        if (_scope.Residuals.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnbalancedResidual, NetworkParser.LocationOf(attribute, cancellationToken),
                $"This [EndResidual] in {_scope.Owner} closes no [Residual]: add [Residual] before the first layer of the branch, or remove it"));
            return;
        }

        (int start, AttributeData opened, bool projection, string? name) = _scope.Residuals.Pop();
        int branchEnd = _scope.Previous;
        if (branchEnd == start)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnbalancedResidual, NetworkParser.LocationOf(opened, cancellationToken),
                $"This [Residual] in {_scope.Owner} holds no layer: declare the branch's layers between [Residual] and [EndResidual]"));
            return;
        }

        int shortcut = start;
        if (projection)
        {
            shortcut = Layers.Count;
            Add(new ProjectionSpec(shortcut, branchEnd) { Inputs = EquatableArray.Create(start) }, opened, userName: null);
        }

        Add(new AddSpec(Layers.Count, Residual: true) { Inputs = EquatableArray.Create(branchEnd, shortcut) }, opened, name);
    }

    private void ReadBlock(AttributeData attribute)
    {
        Location location = NetworkParser.LocationOf(attribute, cancellationToken);
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not INamedTypeSymbol block)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidBlock, reader.ArgumentLocation(attribute, 0, null),
                "[Block] names no block class: write [Block(typeof(MyBlock))] with a class marked [NetworkBlock]"));
            return;
        }

        int repeat = reader.Int(attribute, "Repeat", 1);
        reader.RequirePositive(attribute, "Repeat", repeat, "Block.Repeat");
        if (repeat <= 0) return;

        string? blockName = UserName(attribute);
        string name = blockName ?? "block" + NextCount("Block").ToString(System.Globalization.CultureInfo.InvariantCulture);

        if (!block.GetAttributes().Any(a => IsNetGen(a) && a.AttributeClass!.Name == "NetworkBlockAttribute"))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidBlock, reader.ArgumentLocation(attribute, 0, null),
                $"{block.Name} is not a block: mark it [NetworkBlock] and declare its layers on it"));
            return;
        }

        if (_blocksBeingRead.Contains(block, SymbolEqualityComparer.Default))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidBlock, reader.ArgumentLocation(attribute, 0, null),
                $"The block {block.Name} contains itself, which would never end: a block may use other blocks, not itself"));
            return;
        }

        var attributes = block.GetAttributes()
            .Where(a => IsNetGen(a) && a.ApplicationSyntaxReference is not null && a.AttributeClass!.Name != "NetworkBlockAttribute")
            .OrderBy(a => a.ApplicationSyntaxReference!.SyntaxTree.FilePath, System.StringComparer.Ordinal)
            .ThenBy(a => a.ApplicationSyntaxReference!.Span.Start)
            .ToList();
        if (attributes.Any(a => a.AttributeConstructor is null)) return; // does not bind; the compiler says why
        AttributeData? foreign = attributes.FirstOrDefault(a => !Handles(a.AttributeClass!.Name));
        if (foreign is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidBlock, NetworkParser.LocationOf(foreign, cancellationToken),
                $"[{foreign.AttributeClass!.Name.Replace("Attribute", "")}] cannot be declared in the block {block.Name}: a block holds layers, joins, residual connections and blocks; declare the input, loss and optimizer on the network"));
            return;
        }

        if (!attributes.Any(a => a.AttributeClass!.Name is not ("ResidualAttribute" or "EndResidualAttribute")))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidBlock, reader.ArgumentLocation(attribute, 0, null),
                $"The block {block.Name} declares no layer: add layer attributes to it"));
            return;
        }

        // Every copy is code: a network of more than MaxLayers layers is a mistake, reported before anything is unrolled.
        long layersAfter = Layers.Count + (long)repeat * attributes.Count;
        if (layersAfter > MaxLayers)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidBlock, reader.ArgumentLocation(attribute, null, "Repeat"),
                $"Repeat = {repeat.ToString(System.Globalization.CultureInfo.InvariantCulture)} would make the network about {layersAfter.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture)} layers; NetGen writes code for every layer, so keep a network under {MaxLayers.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture)}"));
            return;
        }

        _blocksBeingRead.Push(block);
        AttributeData? origin = _blockOrigin;
        _blockOrigin ??= attribute;
        Scope outer = _scope;
        for (int copy = 0; copy < repeat; copy++)
        {
            string prefix = outer.Prefix + name + "." + (repeat > 1 ? copy.ToString(System.Globalization.CultureInfo.InvariantCulture) + "." : "");
            _scope = new Scope(prefix, outer.Previous, "block " + block.Name);
            foreach (AttributeData inner in attributes) Read(inner);
            Finish();
            outer.Previous = _scope.Previous;
        }

        _scope = outer;
        _blockOrigin = origin;
        _blocksBeingRead.Pop();
        // The block's name stands for its output, as a module's name does for the module's result.
        Register(name, outer.Previous, attribute);
    }

    /// <summary>Appends a layer, registers its name (given or automatic) in the current scope, and makes it the default input of the next.</summary>
    private void Add(LayerSpec spec, AttributeData attribute, string? userName)
    {
        spec = spec with { Name = userName, Scope = _scope.Prefix };
        // The same count as shape inference's automatic names: per scope and kind.
        int count = NextCount(spec.KindName);
        Layers.Add(spec);
        Attributes.Add(attribute);
        Origins.Add(_blockOrigin ?? attribute);
        Register(userName ?? LayerNames.AutoName(spec.KindName, count).ToLowerInvariant(), spec.Index, attribute);
        _scope.Previous = spec.Index;
    }

    private int NextCount(string kind)
    {
        _scope.Counters.TryGetValue(kind, out int count);
        _scope.Counters[kind] = ++count;
        return count;
    }

    private void Register(string name, int index, AttributeData attribute)
    {
        if (_scope.Names.ContainsKey(name))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DuplicateLayerName, reader.ArgumentLocation(attribute, null, "Name"), name, _scope.Owner));
            return;
        }

        _scope.Names[name] = index;
    }

    /// <summary>Explicit inputs only where the layer does not read the one before it (a straight stack's model is unchanged).</summary>
    private EquatableArray<int> Inputs(int source) => source == Layers.Count - 1 ? EquatableArray<int>.Empty : EquatableArray.Create(source);

    /// <summary>The layer a name refers to in the current scope ("input": the scope's input), or null with a diagnostic.</summary>
    private int? Resolve(AttributeData attribute, string? name, string? argument, int position = 0)
    {
        if (name is null) return null;
        if (name == InputName) return _scope.Input;
        if (_scope.Names.TryGetValue(name, out int index)) return index;
        string known = _scope.Names.Count == 0 ? "none yet, besides \"input\"" : string.Join(", ", _scope.Names.Keys.Take(12).Select(k => "\"" + k + "\"")) + ", \"input\"";
        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnknownLayerName, reader.ArgumentLocation(attribute, argument is null ? position : null, argument),
            name, _scope.Owner, known));
        return null;
    }

    /// <summary>The Name argument, checked: letters, digits and '_', starting with a letter; null when not given.</summary>
    private string? UserName(AttributeData attribute)
    {
        string? name = reader.String(attribute, "Name");
        if (name is null) return null;
        bool valid = name.Length > 0 && char.IsLetter(name[0]) && name.All(c => char.IsLetterOrDigit(c) || c == '_') && name.All(c => c < 128) && name != InputName;
        if (valid) return name;
        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidLayerName, reader.ArgumentLocation(attribute, null, "Name"), name));
        return null;
    }

    private static bool IsNetGen(AttributeData attribute) =>
        attribute.AttributeClass is { } c && c.ContainingNamespace?.ToDisplayString() == "NetGen";
}
