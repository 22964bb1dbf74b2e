using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generators.Model;

namespace NetGen.Generators.Parser;

/// <summary>
/// Reads [Conv2D], [MaxPool2D], [AvgPool2D], [GlobalAvgPool2D] and [Reshape] into their specs, reporting each
/// value that can never work (a size of 0, a negative padding, two -1 dimensions) at the argument that holds it.
/// Whether the values fit the input's shape is for shape inference to say.
/// </summary>
internal static class ConvolutionReader
{
    public static Conv2DSpec Conv2D(AttributeReader reader, AttributeData attribute, int index, List<DiagnosticInfo> diagnostics)
    {
        int filters = reader.PositionalInt(attribute, 0);
        int kernel = reader.PositionalInt(attribute, 1);
        int stride = reader.Int(attribute, "Stride", 1);
        int padding = reader.Int(attribute, "Padding", 0);
        bool samePadding = reader.Bool(attribute, "SamePadding", false);
        int dilation = reader.Int(attribute, "Dilation", 1);
        var activation = reader.NamedEnum(attribute, "Activation", ActivationKind.Identity, "NetGen.Activation");
        double alpha = reader.OptionalNonNegative(attribute, "Conv2D", "ActivationAlpha");
        (WeightInitKind init, double initScale) = reader.Initializer(attribute, "Conv2D");
        bool useBias = reader.Bool(attribute, "UseBias", true);
        var penalty = new PenaltySpec(reader.OptionalNonNegative(attribute, "Conv2D", "L1"), reader.OptionalNonNegative(attribute, "Conv2D", "L2"));

        reader.RequirePositive(attribute, 0, filters, "Conv2D filters");
        reader.RequirePositive(attribute, 1, kernel, "Conv2D kernel");
        reader.RequirePositive(attribute, "Stride", stride, "Conv2D.Stride");
        reader.RequirePositive(attribute, "Dilation", dilation, "Conv2D.Dilation");
        if (padding < 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ValueOutOfRange, reader.ArgumentLocation(attribute, null, "Padding"),
                "Conv2D.Padding", Int(padding), "zero or positive, such as 1 (or SamePadding = true)"));
        }

        var spec = new Conv2DSpec(index, filters, kernel, stride, padding, samePadding, dilation, new ActivationSpec(activation, alpha),
            init, initScale, useBias, penalty);
        if (samePadding && attribute.NamedArguments.Any(a => a.Key == "Padding"))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.PaddingDeclaredTwice, reader.ArgumentLocation(attribute, null, "Padding"), Int(padding)));
        }

        return spec;
    }

    public static Pool2DSpec Pool2D(AttributeReader reader, AttributeData attribute, int index, PoolKind kind, List<DiagnosticInfo> diagnostics)
    {
        string layer = kind == PoolKind.Max ? "MaxPool2D" : "AvgPool2D";
        int size = reader.PositionalInt(attribute, 0);
        int stride = reader.Int(attribute, "Stride", size);
        int padding = reader.Int(attribute, "Padding", 0);
        reader.RequirePositive(attribute, 0, size, layer + " size");
        // The stride defaults to the size, which is checked already.
        if (attribute.NamedArguments.Any(a => a.Key == "Stride")) reader.RequirePositive(attribute, "Stride", stride, layer + ".Stride");
        if (padding < 0 || (size > 0 && padding > size / 2))
        {
            // As PyTorch: more than half the window would let a window hold only padding.
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ValueOutOfRange, reader.ArgumentLocation(attribute, null, "Padding"),
                layer + ".Padding", Int(padding), $"between 0 and half the window ({Int(System.Math.Max(size, 0) / 2)})"));
        }

        return new Pool2DSpec(index, kind, size, stride, padding);
    }

    public static ReshapeSpec Reshape(AttributeReader reader, AttributeData attribute, int index, List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        int[] dimensions = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Kind == TypedConstantKind.Array && !attribute.ConstructorArguments[0].IsNull
            ? attribute.ConstructorArguments[0].Values.Select(v => v.Value is int i ? i : 0).ToArray()
            : System.Array.Empty<int>();
        if (dimensions.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NonPositiveSize, NetworkParser.LocationOf(attribute, cancellationToken),
                "The number of reshape dimensions", 0));
            return new ReshapeSpec(index, EquatableArray.Create(-1));
        }

        // params expanded: one argument per dimension; otherwise point at the array argument.
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        int argumentCount = syntax?.ArgumentList?.Arguments.Count ?? 0;
        bool inferred = false;
        for (int i = 0; i < dimensions.Length; i++)
        {
            bool firstInferred = dimensions[i] == -1 && !inferred;
            inferred |= dimensions[i] == -1;
            if (dimensions[i] > 0 || firstInferred) continue;
            Location location = reader.ArgumentLocation(attribute, argumentCount == dimensions.Length ? i : 0, null);
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidReshapeDimension, location, Int(i + 1), Int(dimensions[i])));
        }

        return new ReshapeSpec(index, dimensions.ToEquatableArray());
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
