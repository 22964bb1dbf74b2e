using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generators.Model;

namespace NetGen.Generators.Parser;

/// <summary>
/// Reads attribute arguments with their defaults, validates them, and reports each invalid value at the
/// exact argument that holds it.
/// </summary>
internal sealed class AttributeReader(List<Diagnostic> diagnostics, CancellationToken cancellationToken)
{
    public int Int(AttributeData attribute, string name, int fallback) =>
        Named(attribute, name) is { Value: int value } ? value : fallback;

    public double Double(AttributeData attribute, string name, double fallback) =>
        Named(attribute, name)?.Value switch
        {
            double value => value,
            float value => value,
            int value => value,
            _ => fallback,
        };

    public bool Bool(AttributeData attribute, string name, bool fallback) =>
        Named(attribute, name) is { Value: bool value } ? value : fallback;

    public int PositionalInt(AttributeData attribute, int position) =>
        attribute.ConstructorArguments.Length > position && attribute.ConstructorArguments[position].Value is int value ? value : 0;

    /// <summary>An enum from constructor argument <paramref name="position"/> (named <paramref name="name"/> for the location).</summary>
    public T Enum<T>(AttributeData attribute, int position, string name, T fallback, string typeName) where T : struct, Enum
    {
        if (attribute.ConstructorArguments.Length <= position || attribute.ConstructorArguments[position].Value is not int raw) return fallback;
        return CheckEnum(attribute, position, null, raw, fallback, typeName);
    }

    public T NamedEnum<T>(AttributeData attribute, string name, T fallback, string typeName) where T : struct, Enum =>
        Named(attribute, name) is { Value: int raw } ? CheckEnum(attribute, null, name, raw, fallback, typeName) : fallback;

    private T CheckEnum<T>(AttributeData attribute, int? position, string? name, int raw, T fallback, string typeName) where T : struct, Enum
    {
        if (System.Enum.IsDefined(typeof(T), raw)) return (T)(object)raw;
        diagnostics.Add(Diagnostic.Create(Diagnostics.UnknownEnumValue, ArgumentLocation(attribute, position, name), typeName, raw));
        return fallback;
    }

    /// <summary>[Input(...)]: every dimension must be positive.</summary>
    public EquatableArray<int> Shape(AttributeData attribute)
    {
        var dimensions = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Kind == TypedConstantKind.Array
            ? attribute.ConstructorArguments[0].Values.Select(v => v.Value is int i ? i : 0).ToArray()
            : Array.Empty<int>();
        if (dimensions.Length == 0)
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.NonPositiveSize, NetworkParser.LocationOf(attribute, cancellationToken), "The number of input dimensions", 0));
            return EquatableArray.Create(1);
        }

        int argumentCount = Syntax(attribute)?.ArgumentList?.Arguments.Count ?? 0;
        for (int i = 0; i < dimensions.Length; i++)
        {
            if (dimensions[i] > 0) continue;
            // params expanded: one argument per dimension; otherwise point at the array argument.
            Location location = argumentCount == dimensions.Length ? ArgumentLocation(attribute, i, null) : ArgumentLocation(attribute, 0, null);
            diagnostics.Add(Diagnostic.Create(Diagnostics.NonPositiveSize, location, $"Input dimension {i + 1}", dimensions[i]));
        }

        return dimensions.ToEquatableArray();
    }

    public void RequirePositive(AttributeData attribute, int position, int value, string what)
    {
        if (value <= 0) diagnostics.Add(Diagnostic.Create(Diagnostics.NonPositiveSize, ArgumentLocation(attribute, position, null), what, value));
    }

    public void RequirePositive(AttributeData attribute, string name, int value, string what)
    {
        if (value <= 0) diagnostics.Add(Diagnostic.Create(Diagnostics.NonPositiveSize, ArgumentLocation(attribute, null, name), what, value));
    }

    public OptimizerSpec Sgd(AttributeData attribute)
    {
        double learningRate = Double(attribute, "LearningRate", 0.01);
        double momentum = Double(attribute, "Momentum", 0);
        bool nesterov = Bool(attribute, "Nesterov", false);
        double weightDecay = Double(attribute, "WeightDecay", 0);
        RequireRange(attribute, "Sgd", "LearningRate", learningRate, v => v > 0, "a positive number, such as 0.01");
        RequireRange(attribute, "Sgd", "Momentum", momentum, v => v >= 0 && v < 1, "in [0, 1), such as 0.9");
        RequireRange(attribute, "Sgd", "WeightDecay", weightDecay, v => v >= 0, "zero or positive, such as 1e-4");
        if (nesterov && momentum <= 0)
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.ValueOutOfRange, ArgumentLocation(attribute, null, "Nesterov"),
                "Sgd.Momentum", Format(momentum), "greater than 0 when Nesterov = true, such as 0.9"));
        }

        return new OptimizerSpec(OptimizerKind.Sgd, learningRate, momentum, nesterov, 0.9, 0.999, 1e-8, weightDecay);
    }

    public OptimizerSpec Adam(AttributeData attribute)
    {
        double learningRate = Double(attribute, "LearningRate", 1e-3);
        double beta1 = Double(attribute, "Beta1", 0.9);
        double beta2 = Double(attribute, "Beta2", 0.999);
        double epsilon = Double(attribute, "Epsilon", 1e-8);
        double weightDecay = Double(attribute, "WeightDecay", 0);
        RequireRange(attribute, "Adam", "LearningRate", learningRate, v => v > 0, "a positive number, such as 1e-3");
        RequireRange(attribute, "Adam", "Beta1", beta1, v => v >= 0 && v < 1, "in [0, 1), such as 0.9");
        RequireRange(attribute, "Adam", "Beta2", beta2, v => v >= 0 && v < 1, "in [0, 1), such as 0.999");
        RequireRange(attribute, "Adam", "Epsilon", epsilon, v => v > 0, "a small positive number, such as 1e-8");
        RequireRange(attribute, "Adam", "WeightDecay", weightDecay, v => v >= 0, "zero or positive, such as 1e-4");
        return new OptimizerSpec(OptimizerKind.Adam, learningRate, 0, false, beta1, beta2, epsilon, weightDecay);
    }

    private void RequireRange(AttributeData attribute, string owner, string name, double value, Func<double, bool> valid, string expected)
    {
        if (double.IsNaN(value) || double.IsInfinity(value) || !valid(value))
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.ValueOutOfRange, ArgumentLocation(attribute, null, name),
                owner + "." + name, Format(value), expected));
        }
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static TypedConstant? Named(AttributeData attribute, string name)
    {
        foreach (KeyValuePair<string, TypedConstant> pair in attribute.NamedArguments)
        {
            if (pair.Key == name) return pair.Value;
        }

        return null;
    }

    private AttributeSyntax? Syntax(AttributeData attribute) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;

    /// <summary>
    /// The location of a constructor argument (by position, or by its parameter name when written as
    /// <c>name: value</c>) or of a property argument (<c>Name = value</c>); the attribute itself when the
    /// argument is not written (a default applies).
    /// </summary>
    public Location ArgumentLocation(AttributeData attribute, int? position, string? name)
    {
        AttributeSyntax? syntax = Syntax(attribute);
        if (syntax is null) return Location.None;
        var arguments = syntax.ArgumentList?.Arguments ?? default;
        // A constructor parameter's name (e.g. "kernel" from a Roslyn-free stage) stands for its position.
        if (position is null && name is not null && attribute.AttributeConstructor is { } named)
        {
            for (int p = 0; p < named.Parameters.Length; p++)
            {
                if (named.Parameters[p].Name == name) position = p;
            }
        }

        if (name is not null)
        {
            foreach (AttributeArgumentSyntax argument in arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == name) return argument.GetLocation();
            }
        }

        if (position is int index)
        {
            string? parameterName = attribute.AttributeConstructor is { } constructor && index < constructor.Parameters.Length
                ? constructor.Parameters[index].Name
                : null;
            int positional = 0;
            foreach (AttributeArgumentSyntax argument in arguments)
            {
                if (argument.NameEquals is not null) continue;
                if (argument.NameColon is not null)
                {
                    if (argument.NameColon.Name.Identifier.ValueText == parameterName) return argument.GetLocation();
                    continue;
                }

                if (positional++ == index) return argument.GetLocation();
            }
        }

        return syntax.GetLocation();
    }
}
