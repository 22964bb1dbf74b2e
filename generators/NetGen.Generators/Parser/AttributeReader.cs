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
internal sealed class AttributeReader(List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
{
    /// <summary>Where the diagnostics of the declaration being read go.</summary>
    public List<DiagnosticInfo> Reports => diagnostics;

    public CancellationToken CancellationToken => cancellationToken;

    /// <summary>Reports <paramref name="descriptor"/> at <paramref name="location"/>.</summary>
    public void Report(DiagnosticDescriptor descriptor, Location location, params object?[] arguments) =>
        diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));

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

    /// <summary>A string property, such as a layer's Name; null when not given.</summary>
    public string? String(AttributeData attribute, string name) =>
        Named(attribute, name) is { Value: string value } ? value : null;

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
        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnknownEnumValue, ArgumentLocation(attribute, position, name), typeName, raw));
        return fallback;
    }

    /// <summary>[Input(...)]: every dimension must be positive.</summary>
    public EquatableArray<int> Shape(AttributeData attribute)
    {
        var dimensions = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Kind == TypedConstantKind.Array && !attribute.ConstructorArguments[0].IsNull
            ? attribute.ConstructorArguments[0].Values.Select(v => v.Value is int i ? i : 0).ToArray()
            : Array.Empty<int>();
        if (dimensions.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NonPositiveSize, NetworkParser.LocationOf(attribute, cancellationToken), "The number of input dimensions", 0));
            return EquatableArray.Create(1);
        }

        int argumentCount = Syntax(attribute)?.ArgumentList?.Arguments.Count ?? 0;
        for (int i = 0; i < dimensions.Length; i++)
        {
            if (dimensions[i] > 0) continue;
            // params expanded: one argument per dimension; otherwise point at the array argument.
            Location location = argumentCount == dimensions.Length ? ArgumentLocation(attribute, i, null) : ArgumentLocation(attribute, 0, null);
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NonPositiveSize, location, $"Input dimension {i + 1}", dimensions[i]));
        }

        return dimensions.ToEquatableArray();
    }

    public void RequirePositive(AttributeData attribute, int position, int value, string what)
    {
        if (value <= 0) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NonPositiveSize, ArgumentLocation(attribute, position, null), what, value));
    }

    public void RequirePositive(AttributeData attribute, string name, int value, string what)
    {
        if (value <= 0) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NonPositiveSize, ArgumentLocation(attribute, null, name), what, value));
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
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ValueOutOfRange, ArgumentLocation(attribute, null, "Nesterov"),
                "Sgd.Momentum", Format(momentum), "greater than 0 when Nesterov = true, such as 0.9"));
        }

        return new OptimizerSpec(OptimizerKind.Sgd, learningRate, momentum, nesterov, 0.9, 0.999, 1e-8, weightDecay);
    }

    public OptimizerSpec Adam(AttributeData attribute, OptimizerKind kind)
    {
        string owner = kind == OptimizerKind.AdamW ? "AdamW" : "Adam";
        double learningRate = Double(attribute, "LearningRate", 1e-3);
        double beta1 = Double(attribute, "Beta1", 0.9);
        double beta2 = Double(attribute, "Beta2", 0.999);
        double epsilon = Double(attribute, "Epsilon", 1e-8);
        double weightDecay = Double(attribute, "WeightDecay", kind == OptimizerKind.AdamW ? 0.01 : 0);
        bool amsgrad = Bool(attribute, "Amsgrad", false);
        RequireRange(attribute, owner, "LearningRate", learningRate, v => v > 0, "a positive number, such as 1e-3");
        RequireRange(attribute, owner, "Beta1", beta1, v => v >= 0 && v < 1, "in [0, 1), such as 0.9");
        RequireRange(attribute, owner, "Beta2", beta2, v => v >= 0 && v < 1, "in [0, 1), such as 0.999");
        RequireRange(attribute, owner, "Epsilon", epsilon, v => v > 0, "a small positive number, such as 1e-8");
        RequireRange(attribute, owner, "WeightDecay", weightDecay, v => v >= 0, "zero or positive, such as 1e-4");
        return new OptimizerSpec(kind, learningRate, 0, false, beta1, beta2, epsilon, weightDecay, amsgrad);
    }

    public OptimizerSpec RmsProp(AttributeData attribute)
    {
        double learningRate = Double(attribute, "LearningRate", 0.01);
        double alpha = Double(attribute, "Alpha", 0.99);
        double epsilon = Double(attribute, "Epsilon", 1e-8);
        double momentum = Double(attribute, "Momentum", 0);
        bool centered = Bool(attribute, "Centered", false);
        double weightDecay = Double(attribute, "WeightDecay", 0);
        RequireRange(attribute, "RmsProp", "LearningRate", learningRate, v => v > 0, "a positive number, such as 1e-3");
        RequireRange(attribute, "RmsProp", "Alpha", alpha, v => v >= 0 && v < 1, "in [0, 1), such as 0.99");
        RequireRange(attribute, "RmsProp", "Epsilon", epsilon, v => v > 0, "a small positive number, such as 1e-8");
        RequireRange(attribute, "RmsProp", "Momentum", momentum, v => v >= 0 && v < 1, "in [0, 1), such as 0.9");
        RequireRange(attribute, "RmsProp", "WeightDecay", weightDecay, v => v >= 0, "zero or positive, such as 1e-4");
        return new OptimizerSpec(OptimizerKind.RmsProp, learningRate, momentum, false, 0.9, 0.999, epsilon, weightDecay, Alpha: alpha, Centered: centered);
    }

    public OptimizerSpec Adagrad(AttributeData attribute)
    {
        double learningRate = Double(attribute, "LearningRate", 0.01);
        double decay = Double(attribute, "LearningRateDecay", 0);
        double epsilon = Double(attribute, "Epsilon", 1e-10);
        double weightDecay = Double(attribute, "WeightDecay", 0);
        RequireRange(attribute, "Adagrad", "LearningRate", learningRate, v => v > 0, "a positive number, such as 0.01");
        RequireRange(attribute, "Adagrad", "LearningRateDecay", decay, v => v >= 0, "zero or positive");
        RequireRange(attribute, "Adagrad", "Epsilon", epsilon, v => v > 0, "a small positive number, such as 1e-10");
        RequireRange(attribute, "Adagrad", "WeightDecay", weightDecay, v => v >= 0, "zero or positive, such as 1e-4");
        return new OptimizerSpec(OptimizerKind.Adagrad, learningRate, 0, false, 0.9, 0.999, epsilon, weightDecay, LearningRateDecay: decay);
    }

    public OptimizerSpec Adadelta(AttributeData attribute)
    {
        double learningRate = Double(attribute, "LearningRate", 1.0);
        double rho = Double(attribute, "Rho", 0.9);
        double epsilon = Double(attribute, "Epsilon", 1e-6);
        double weightDecay = Double(attribute, "WeightDecay", 0);
        RequireRange(attribute, "Adadelta", "LearningRate", learningRate, v => v > 0, "a positive number, such as 1.0");
        RequireRange(attribute, "Adadelta", "Rho", rho, v => v >= 0 && v <= 1, "in [0, 1], such as 0.9");
        RequireRange(attribute, "Adadelta", "Epsilon", epsilon, v => v > 0, "a small positive number, such as 1e-6");
        RequireRange(attribute, "Adadelta", "WeightDecay", weightDecay, v => v >= 0, "zero or positive, such as 1e-4");
        return new OptimizerSpec(OptimizerKind.Adadelta, learningRate, 0, false, 0.9, 0.999, epsilon, weightDecay, Rho: rho);
    }

    /// <summary>[NAdam] and [RAdam]: Adam's settings, and NAdam's momentum decay.</summary>
    public OptimizerSpec AdamVariant(AttributeData attribute, OptimizerKind kind)
    {
        string owner = kind.ToString();
        double learningRate = Double(attribute, "LearningRate", kind == OptimizerKind.NAdam ? 2e-3 : 1e-3);
        double beta1 = Double(attribute, "Beta1", 0.9);
        double beta2 = Double(attribute, "Beta2", 0.999);
        double epsilon = Double(attribute, "Epsilon", 1e-8);
        double weightDecay = Double(attribute, "WeightDecay", 0);
        double momentumDecay = kind == OptimizerKind.NAdam ? Double(attribute, "MomentumDecay", 4e-3) : 4e-3;
        RequireRange(attribute, owner, "LearningRate", learningRate, v => v > 0, kind == OptimizerKind.NAdam ? "a positive number, such as 2e-3" : "a positive number, such as 1e-3");
        RequireRange(attribute, owner, "Beta1", beta1, v => v >= 0 && v < 1, "in [0, 1), such as 0.9");
        RequireRange(attribute, owner, "Beta2", beta2, v => v >= 0 && v < 1, "in [0, 1), such as 0.999");
        RequireRange(attribute, owner, "Epsilon", epsilon, v => v > 0, "a small positive number, such as 1e-8");
        RequireRange(attribute, owner, "WeightDecay", weightDecay, v => v >= 0, "zero or positive, such as 1e-4");
        if (kind == OptimizerKind.NAdam) RequireRange(attribute, owner, "MomentumDecay", momentumDecay, v => v >= 0, "zero or positive, such as 4e-3");
        return new OptimizerSpec(kind, learningRate, 0, false, beta1, beta2, epsilon, weightDecay, MomentumDecay: momentumDecay);
    }

    public OptimizerSpec Lion(AttributeData attribute)
    {
        double learningRate = Double(attribute, "LearningRate", 1e-4);
        double beta1 = Double(attribute, "Beta1", 0.9);
        double beta2 = Double(attribute, "Beta2", 0.99);
        double weightDecay = Double(attribute, "WeightDecay", 0);
        RequireRange(attribute, "Lion", "LearningRate", learningRate, v => v > 0, "a positive number, such as 1e-4");
        RequireRange(attribute, "Lion", "Beta1", beta1, v => v >= 0 && v <= 1, "in [0, 1], such as 0.9");
        RequireRange(attribute, "Lion", "Beta2", beta2, v => v >= 0 && v <= 1, "in [0, 1], such as 0.99");
        RequireRange(attribute, "Lion", "WeightDecay", weightDecay, v => v >= 0, "zero or positive, such as 0.1");
        return new OptimizerSpec(OptimizerKind.Lion, learningRate, 0, false, beta1, beta2, 0, weightDecay);
    }

    /// <summary>Reads any optimizer attribute by its class name; null for a name that is not an optimizer.</summary>
    public OptimizerSpec? Optimizer(AttributeData attribute, string name) => name switch
    {
        "SgdAttribute" => Sgd(attribute),
        "AdamAttribute" => Adam(attribute, OptimizerKind.Adam),
        "AdamWAttribute" => Adam(attribute, OptimizerKind.AdamW),
        "RmsPropAttribute" => RmsProp(attribute),
        "AdagradAttribute" => Adagrad(attribute),
        "AdadeltaAttribute" => Adadelta(attribute),
        "NAdamAttribute" => AdamVariant(attribute, OptimizerKind.NAdam),
        "RAdamAttribute" => AdamVariant(attribute, OptimizerKind.RAdam),
        "LionAttribute" => Lion(attribute),
        _ => null,
    };

    /// <summary>[Regularization(L1 = ..., L2 = ...)]: penalties on every weight.</summary>
    public PenaltySpec Penalty(AttributeData attribute) =>
        new(NonNegative(attribute, "Regularization", "L1"), NonNegative(attribute, "Regularization", "L2"));

    /// <summary>[ClipGradients(MaxNorm = ..., MaxValue = ...)].</summary>
    public ClippingSpec Clipping(AttributeData attribute) =>
        new(NonNegative(attribute, "ClipGradients", "MaxNorm"), NonNegative(attribute, "ClipGradients", "MaxValue"));

    /// <summary>Whether the attribute is one of the learning-rate schedules that <see cref="Schedule"/> reads.</summary>
    public static bool IsSchedule(string attributeName) =>
        attributeName is "StepDecayAttribute" or "ExponentialDecayAttribute" or "CosineAnnealingAttribute" or "LinearWarmupAttribute" or "ReduceOnPlateauAttribute";

    /// <summary>One of the learning-rate schedule attributes, validated.</summary>
    public ScheduleSpec Schedule(AttributeData attribute)
    {
        string owner = attribute.AttributeClass!.Name.Replace("Attribute", "");
        const string Fraction = "in (0, 1]";
        switch (owner)
        {
            case "StepDecay":
            {
                int stepSize = Int(attribute, "StepSize", 1000);
                double gamma = Double(attribute, "Gamma", 0.1);
                RequirePositive(attribute, "StepSize", stepSize, "StepDecay.StepSize");
                RequireRange(attribute, owner, "Gamma", gamma, v => v > 0 && v <= 1, Fraction + ", such as 0.1");
                return new ScheduleSpec(ScheduleKind.StepDecay, stepSize, gamma);
            }
            case "ExponentialDecay":
            {
                double gamma = Double(attribute, "Gamma", 0.999);
                RequireRange(attribute, owner, "Gamma", gamma, v => v > 0 && v <= 1, Fraction + ", such as 0.999");
                return new ScheduleSpec(ScheduleKind.ExponentialDecay, 0, gamma);
            }
            case "CosineAnnealing":
            {
                int total = Int(attribute, "TotalSteps", 10000);
                double minimum = Double(attribute, "MinLearningRate", 0);
                RequirePositive(attribute, "TotalSteps", total, "CosineAnnealing.TotalSteps");
                RequireRange(attribute, owner, "MinLearningRate", minimum, v => v >= 0, "zero or positive");
                return new ScheduleSpec(ScheduleKind.CosineAnnealing, total, minimum);
            }
            case "LinearWarmup":
            {
                int steps = Int(attribute, "Steps", 100);
                double start = Double(attribute, "StartFactor", 1.0 / 3);
                RequirePositive(attribute, "Steps", steps, "LinearWarmup.Steps");
                RequireRange(attribute, owner, "StartFactor", start, v => v > 0 && v <= 1, Fraction + ", such as 0.1");
                return new ScheduleSpec(ScheduleKind.LinearWarmup, steps, start);
            }
            default:
            {
                double factor = Double(attribute, "Factor", 0.1);
                int patience = Int(attribute, "Patience", 10);
                double threshold = Double(attribute, "Threshold", 1e-4);
                int cooldown = Int(attribute, "Cooldown", 0);
                double minimum = Double(attribute, "MinLearningRate", 0);
                RequireRange(attribute, owner, "Factor", factor, v => v > 0 && v < 1, "in (0, 1), such as 0.1");
                RequireRange(attribute, owner, "Patience", patience, v => v >= 0, "zero or positive");
                RequireRange(attribute, owner, "Threshold", threshold, v => v >= 0, "zero or positive, such as 1e-4");
                RequireRange(attribute, owner, "Cooldown", cooldown, v => v >= 0, "zero or positive");
                RequireRange(attribute, owner, "MinLearningRate", minimum, v => v >= 0, "zero or positive");
                return new ScheduleSpec(ScheduleKind.ReduceOnPlateau, patience, factor, patience, threshold, cooldown, minimum);
            }
        }
    }

    public double PositionalDouble(AttributeData attribute, int position) =>
        attribute.ConstructorArguments.Length > position ? attribute.ConstructorArguments[position].Value switch
        {
            double value => value,
            float value => value,
            int value => value,
            _ => double.NaN,
        } : double.NaN;

    /// <summary>A property that defaults to 0 and must not be negative.</summary>
    public double NonNegative(AttributeData attribute, string owner, string name)
    {
        double value = Double(attribute, name, 0);
        RequireRange(attribute, owner, name, value, v => v >= 0, "zero or positive");
        return value;
    }

    /// <summary>A property that defaults to NaN ("not set"), and when set must not be negative.</summary>
    public double OptionalNonNegative(AttributeData attribute, string owner, string name)
    {
        double value = Double(attribute, name, double.NaN);
        // NaN written out is the documented default ("not set"), not an error.
        if (Named(attribute, name) is not null && !double.IsNaN(value)) RequireRange(attribute, owner, name, value, v => v >= 0, "zero or positive");
        return value;
    }

    /// <summary>
    /// A (low, high) pair of positional arguments, such as a log-uniform search range: low must be positive and high
    /// at least low, each reported at its own argument.
    /// </summary>
    public (double Low, double High) PositiveRange(AttributeData attribute, string owner, string exampleLow)
    {
        double low = PositionalDouble(attribute, 0), high = PositionalDouble(attribute, 1);
        RequireRange(attribute, 0, owner + " low", low, v => v > 0, "a positive number, such as " + exampleLow);
        RequireRange(attribute, 1, owner + " high", high, v => v >= low, "at least the low end of the range");
        return (low, high);
    }

    public void RequireRange(AttributeData attribute, int position, string what, double value, Func<double, bool> valid, string expected)
    {
        if (OutOfRange(value, valid, ref expected))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ValueOutOfRange, ArgumentLocation(attribute, position, null), what, Format(value), expected));
        }
    }

    public void RequireRange(AttributeData attribute, string owner, string name, double value, Func<double, bool> valid, string expected)
    {
        if (OutOfRange(value, valid, ref expected))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ValueOutOfRange, ArgumentLocation(attribute, null, name),
                owner + "." + name, Format(value), expected));
        }
    }

    /// <summary>
    /// Not finite, not valid, or not what float (every hyperparameter's type at run time) can hold: past 3.4e38 it would
    /// be infinite, and a non-zero value below 1.4e-45 would round to 0 (a learning rate of 1e-50 trains nothing).
    /// </summary>
    private static bool OutOfRange(double value, Func<double, bool> valid, ref string expected)
    {
        if (double.IsNaN(value) || double.IsInfinity(value) || !valid(value)) return true;
        if (Math.Abs(value) > float.MaxValue || (value != 0 && (float)value == 0))
        {
            expected += "; float holds magnitudes from 1.4e-45 to 3.4e38";
            return true;
        }

        return false;
    }

    /// <summary>
    /// A layer's Init and InitScale: the scale must be given for Constant, Uniform and Normal (NG0045), finite and within
    /// float, and not negative where it is a bound or a standard deviation.
    /// </summary>
    public (WeightInitKind Init, double Scale) Initializer(AttributeData attribute, string owner)
    {
        var init = NamedEnum(attribute, "Init", WeightInitKind.Default, "NetGen.WeightInit");
        double scale = Double(attribute, "InitScale", double.NaN);
        if (init is WeightInitKind.Constant or WeightInitKind.Uniform or WeightInitKind.Normal && double.IsNaN(scale))
        {
            string meaning = init switch { WeightInitKind.Constant => "the value", WeightInitKind.Uniform => "the bound a of U(-a, a)", _ => "the standard deviation" };
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InitScaleRequired, ArgumentLocation(attribute, null, "Init"), init, meaning));
        }
        else if (Named(attribute, "InitScale") is not null && !double.IsNaN(scale))
        {
            bool signed = init == WeightInitKind.Constant;
            RequireRange(attribute, owner, "InitScale", scale, v => signed || v >= 0,
                signed ? "a finite number" : "zero or positive: the bound, standard deviation or gain");
        }

        return (init, scale);
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
