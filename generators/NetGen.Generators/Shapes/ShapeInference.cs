using System.Collections.Generic;
using System.Linq;
using NetGen.Generators.Model;

namespace NetGen.Generators.Shapes;

/// <summary>
/// Pure arithmetic on the model: infers every layer's input and output shape, lays the parameters out in
/// one flat buffer, and rejects declarations whose shapes cannot work.
/// </summary>
public static class ShapeInference
{
    /// <summary>The most floats one .NET array holds (Array.MaxLength): every buffer, and the parameters, must fit.</summary>
    public const long MaxFloats = 0x7FFFFFC7;

    public static (ResolvedNetwork? Network, List<ShapeError> Errors) Resolve(NetworkModel model)
    {
        var errors = new List<ShapeError>();
        var layers = new List<ResolvedLayer>();
        var counters = new Dictionary<string, int>();
        TensorShape inputShape = new(model.InputShape);
        TensorShape shape = inputShape;
        int offset = 0;
        long activations = 0;
        long convolutionScratch = 0;   // one im2col buffer, shared by every convolution: the largest one's size

        int statistics = 0;
        if (TensorShape.SaturatingMultiply(inputShape.LongSize, model.BatchSize) > MaxFloats)
        {
            errors.Add(new ShapeError(-2, null, DiagnosticIds.SizeTooLarge, EquatableArray.Create(model.ClassName,
                Emit.Literals.Grouped(TensorShape.SaturatingMultiply(inputShape.LongSize, model.BatchSize)), $"one batch of {inputShape} inputs", Emit.Literals.Grouped(MaxFloats))));
            return (null, errors);
        }

        foreach (LayerSpec declared in model.Layers)
        {
            // Counted per block copy, as PyTorch names a module's children: dense1, dense2, ... in each scope.
            string counterKey = declared.Scope + declared.KindName;
            counters.TryGetValue(counterKey, out int count);
            counters[counterKey] = ++count;
            string localName = declared.Name ?? LayerNames.AutoName(declared.KindName, count);
            string name = LayerNames.MemberName(declared.Scope, localName);
            string checkpointName = declared.Scope + (declared.Name ?? localName.ToLowerInvariant());

            EquatableArray<int> sources = declared.Sources;
            if (sources.Any(source => source >= declared.Index || source < -1))
            {
                errors.Add(new ShapeError(declared.Index, null, DiagnosticIds.InvalidJoin,
                    EquatableArray.Create($"{name} reads a layer that is not declared before it")));
                return (null, errors);
            }

            EquatableArray<TensorShape> inputShapes = sources.Select(source => source < 0 ? inputShape : layers[source].Output).ToEquatableArray();
            shape = inputShapes[0];
            LayerSpec spec = declared;
            if (declared is ProjectionSpec projection)
            {
                ShapeError? impossible = Project(projection, shape, layers[projection.Target].Output, out spec);
                if (impossible is not null)
                {
                    errors.Add(impossible);
                    return (null, errors);
                }
            }

            // The kind's shape rule: output shape, parameter layout, buffer sizes, or the error to report.
            var context = new Layers.ShapeContext(name, sources, inputShapes, offset, statistics, model.BatchSize, source => Describe(source, layers));
            Layers.Shaped shaped = Layers.LayerKinds.For(spec).Resolve(spec, context);
            if (shaped.Error is not null)
            {
                errors.Add(shaped.Error);
                return (null, errors);
            }

            ResolvedLayer resolved = shaped.Layer!;
            // Every buffer holds a batch: the output (and its gradient) of one layer must fit one array, and so must the scratch.
            long batchFloats = TensorShape.SaturatingMultiply(resolved.Output.LongSize, model.BatchSize);
            long tooLarge = batchFloats > MaxFloats ? batchFloats : shaped.ScratchFloats > MaxFloats ? shaped.ScratchFloats : 0;
            if (tooLarge > 0)
            {
                errors.Add(new ShapeError(spec.Index, null, DiagnosticIds.SizeTooLarge, EquatableArray.Create(name, Emit.Literals.Grouped(tooLarge),
                    batchFloats > MaxFloats ? $"a batch of its {resolved.Output} outputs" : "its scratch", Emit.Literals.Grouped(MaxFloats))));
                return (null, errors);
            }

            offset += resolved.ParameterCount;
            statistics += resolved.StatisticsCount;
            activations += shaped.ActivationFloats;
            convolutionScratch = System.Math.Max(convolutionScratch, shaped.ScratchFloats);
            layers.Add(resolved with { Sources = sources, InputShapes = inputShapes, CheckpointName = checkpointName });
            shape = resolved.Output;
        }

        if (errors.Count == 0 && CheckReaders(model, layers) is { } unread)
        {
            errors.Add(unread);
        }

        // A (steps, classes) output is classified at every step.
        if (model.Loss.Kind == LossKind.SoftmaxCrossEntropy && (shape.Rank == 2 ? shape.Dimensions[1] : shape.Size) < 2)
        {
            errors.Add(new ShapeError(-1, null, DiagnosticIds.LossDoesNotFitOutput,
                EquatableArray.Create(shape.ToString())));
        }

        if (errors.Count == 0 && offset == 0)
        {
            // Nothing to train: no layer has parameters, so no gradient flows anywhere.
            errors.Add(new ShapeError(-2, null, DiagnosticIds.NoLayers, EquatableArray.Create(model.ClassName)));
        }

        long stateFloats = (long)offset * OptimizerStateCount(model.Optimizer, 1);
        if (errors.Count == 0 && stateFloats > MaxFloats)
        {
            errors.Add(new ShapeError(-2, null, DiagnosticIds.SizeTooLarge, EquatableArray.Create(model.ClassName,
                Emit.Literals.Grouped(stateFloats), $"the {model.Optimizer.Kind} optimizer's state", Emit.Literals.Grouped(MaxFloats))));
        }

        if (errors.Count > 0) return (null, errors);

        var network = new ResolvedNetwork(model, layers.ToEquatableArray(), offset, OptimizerStateCount(model.Optimizer, offset),
            activations * model.BatchSize + convolutionScratch, statistics);
        return (network, errors);
    }

    /// <summary>Floats of optimizer state per parameter buffer: moments, velocities or sums, each one flat buffer.</summary>
    public static int OptimizerStateCount(OptimizerSpec optimizer, int parameters) => parameters * optimizer.Kind switch
    {
        OptimizerKind.Adam or OptimizerKind.AdamW => optimizer.Amsgrad ? 3 : 2,
        OptimizerKind.RmsProp => 1 + (optimizer.Momentum > 0 ? 1 : 0) + (optimizer.Centered ? 1 : 0),
        OptimizerKind.Adagrad => 1,
        OptimizerKind.Adadelta or OptimizerKind.NAdam or OptimizerKind.RAdam => 2,
        OptimizerKind.Lion => 1,
        _ => optimizer.Momentum > 0 ? 1 : 0,
    };

    /// <summary>
    /// Resolves a residual shortcut's projection into the layer that computes it: a dense layer without bias from
    /// <paramref name="from"/>'s features to <paramref name="to"/>'s (vectors, or per step of a sequence), or a 1x1
    /// convolution without bias whose stride maps from's height and width onto to's (ResNet's downsampling shortcut).
    /// </summary>
    private static ShapeError? Project(ProjectionSpec projection, TensorShape from, TensorShape to, out LayerSpec spec)
    {
        spec = projection;
        ShapeError Impossible(string reason) => new(projection.Index, null, DiagnosticIds.ProjectionImpossible,
            EquatableArray.Create(from.ToString(), to.ToString(), reason));

        if (from.Rank != to.Rank) return Impossible("their ranks differ; flatten or reshape one side first");
        if (from.Rank == 1 || (from.Rank == 2 && from.Dimensions[0] == to.Dimensions[0]))
        {
            spec = new DenseSpec(projection.Index, to.Dimensions[to.Rank - 1], ActivationSpec.Identity, WeightInitKind.Default, double.NaN,
                UseBias: false, PenaltySpec.Inherit) { Inputs = projection.Inputs, Name = projection.Name, Scope = projection.Scope };
            return null;
        }

        if (from.Rank != 3) return Impossible("a projection maps vectors, (steps, features) sequences of equal steps, or (channels, height, width) images");
        int stride = (from.Dimensions[1] + to.Dimensions[1] - 1) / to.Dimensions[1];
        bool fits = to.Dimensions[1] <= from.Dimensions[1] && to.Dimensions[2] <= from.Dimensions[2]
            && (from.Dimensions[1] - 1) / stride + 1 == to.Dimensions[1] && (from.Dimensions[2] - 1) / stride + 1 == to.Dimensions[2];
        if (!fits) return Impossible("no 1x1 convolution stride maps its height and width onto the branch's; make the branch keep the size or halve it");
        // SamePadding: a 1x1 kernel pads nothing, and no exact fit is demanded of a layer the user cannot change
        // (ResNet's 1x1 stride-2 shortcut skips the last row of an even input, as PyTorch's does).
        spec = new Conv2DSpec(projection.Index, to.Dimensions[0], Kernel: 1, stride, Padding: 0, SamePadding: true, Dilation: 1,
            ActivationSpec.Identity, WeightInitKind.Default, double.NaN, UseBias: false, PenaltySpec.Inherit)
        {
            Inputs = projection.Inputs, Name = projection.Name, Scope = projection.Scope,
        };
        return null;
    }

    /// <summary>"dense2" or "the input": how messages name a layer output.</summary>
    private static string Describe(int source, List<ResolvedLayer> layers) => source < 0 ? "the input" : layers[source].CheckpointName;

    /// <summary>
    /// Every layer but the last must be read by a later one (otherwise its parameters would never learn), and a token
    /// network's input (ids, not floats) may only be read by an embedding.
    /// </summary>
    private static ShapeError? CheckReaders(NetworkModel model, List<ResolvedLayer> layers)
    {
        var read = new bool[layers.Count];
        bool tokens = layers.Count > 0 && layers[0].Spec is EmbeddingSpec;
        foreach (ResolvedLayer layer in layers)
        {
            foreach (int source in layer.Sources)
            {
                if (source >= 0) read[source] = true;
                else if (tokens && layer.Spec is not EmbeddingSpec)
                {
                    return new ShapeError(layer.Spec.Index, null, DiagnosticIds.InvalidJoin, EquatableArray.Create(
                        $"{layer.CheckpointName} reads the network's input, which holds token ids: only an [Embedding] can read them"));
                }
            }
        }

        for (int i = 0; i < layers.Count - 1; i++)
        {
            if (!read[i]) return new ShapeError(layers[i].Spec.Index, null, DiagnosticIds.UnusedOutput, EquatableArray.Create(layers[i].CheckpointName));
        }

        return null;
    }
}

/// <summary>How a layer's names are made from its scope and local name.</summary>
public static class LayerNames
{
    /// <summary>
    /// The prefix of the layer's generated members, a C# identifier: each part of the path with its first letter in
    /// upper case, joined: "Dense1" at the top level, "Blocks0Dense1" for blocks.0.dense1, "Stem" for a layer named stem.
    /// </summary>
    public static string MemberName(string scope, string localName)
    {
        var builder = new System.Text.StringBuilder();
        foreach (string part in (scope + localName).Split('.'))
        {
            if (part.Length == 0) continue;
            builder.Append(char.ToUpperInvariant(part[0])).Append(part, 1, part.Length - 1);
        }

        return builder.ToString();
    }

    /// <summary>The name of an unnamed layer: its kind and its count in its scope, e.g. Dense2 (dense2 in checkpoints).</summary>
    public static string AutoName(string kind, int count) => kind + count.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
