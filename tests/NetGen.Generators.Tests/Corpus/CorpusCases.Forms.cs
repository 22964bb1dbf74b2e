using Microsoft.CodeAnalysis.CSharp;

namespace NetGen.Generators.Tests.Corpus;

public static partial class CorpusCases
{
    private const string Attrs = "[Network] [Input(4)] [Dense(3)] [SoftmaxCrossEntropy] [Adam]";

    // Every C# declaration form a class can take.
    private static IEnumerable<CorpusCase> DeclarationForms()
    {
        var clean = new (string Name, string Source)[]
        {
            ("GlobalNamespace", $"{Attrs} public partial class Net;"),
            ("BlockNamespace", $"namespace Models {{ {Attrs} public partial class Net; }}"),
            ("FileScopedNamespace", $"namespace Models;\n{Attrs} public partial class Net;"),
            ("DottedNamespace", $"namespace A.B.C {{ {Attrs} public partial class Net; }}"),
            ("NestedNamespaces", $"namespace A {{ namespace B {{ {Attrs} public partial class Net; }} }}"),
            ("KeywordNamespace", $"namespace Shop.@event;\n{Attrs} public partial class Net;"),
            ("UnicodeNamespace", $"namespace Modèles.Réseaux;\n{Attrs} public partial class Net;"),
            ("NamespaceNamedLikeClass", $"namespace Net {{ {Attrs} public partial class Net; }}"),
            ("NamespaceNamedNetGen", $"namespace Demo.NetGen {{ {Attrs} public partial class Net; }}"),
            ("Internal", $"{Attrs} internal partial class Net;"),
            ("NoAccessModifier", $"{Attrs} partial class Net;"),
            ("Sealed", $"{Attrs} public sealed partial class Net;"),
            ("InternalSealed", $"{Attrs} internal sealed partial class Net;"),
            ("PartialBeforeModifiers", $"{Attrs} sealed partial class Net;"),
            ("WithBody", $"{Attrs} public partial class Net {{ }}"),
            ("WithUserMembers", $"{Attrs} public partial class Net {{ public int Epochs {{ get; set; }} public string Describe() => \"net\"; }}"),
            ("WithUserConstructor", $"{Attrs} public partial class Net {{ private readonly string _tag = \"\"; public Net(string tag) {{ _tag = tag; }} }}"),
            ("WithBaseClass", "public abstract class ModelBase { public string Label { get; set; } = \"\"; }\n" + $"{Attrs} public partial class Net : ModelBase;"),
            ("WithUserInterface", "public interface ITagged { string Tag { get; } }\n" + $"{Attrs} public partial class Net : ITagged {{ public string Tag => \"t\"; }}"),
            ("AttributesOnSeparateLines", "[Network]\n[Input(4)]\n[Dense(3)]\n[SoftmaxCrossEntropy]\n[Adam]\npublic partial class Net;"),
            ("AttributeListWithCommas", "[Network, Input(4), Dense(3), SoftmaxCrossEntropy, Adam] public partial class Net;"),
            ("FullyQualifiedAttributes", "[global::NetGen.Network] [global::NetGen.Input(4)] [NetGen.DenseAttribute(3)] [NetGen.SoftmaxCrossEntropy] [NetGen.Adam] public partial class Net;"),
            ("AliasedAttribute", "using L = NetGen.DenseAttribute;\n[Network] [Input(4)] [L(3)] [SoftmaxCrossEntropy] [Adam] public partial class Net;"),
            ("ConstantArguments", "static class Sizes { public const int Hidden = 3; public const double Rate = 1e-3; }\n[Network] [Input(4)] [Dense(Sizes.Hidden)] [SoftmaxCrossEntropy] [Adam(LearningRate = Sizes.Rate)] public partial class Net;"),
            ("KeywordName", $"{Attrs} public partial class @class;"),
            ("KeywordNameEvent", $"namespace M {{ {Attrs} public partial class @event; }}"),
            ("VerbatimNonKeyword", $"{Attrs} public partial class @Net;"),
            ("ContextualKeywordName", $"{Attrs} public partial class async;"),
            ("UnicodeName", $"{Attrs} public partial class Réseau;"),
            ("CyrillicName", $"{Attrs} public partial class Сеть;"),
            ("CjkName", $"{Attrs} public partial class 网络;"),
            ("UnderscoreName", $"{Attrs} public partial class _net_1;"),
            ("UnicodeEscapeName", $"{Attrs} public partial class N\\u0065t;"),
            ("NamedNetwork", $"{Attrs} public partial class Network;"),
            ("NamedLikeALayerPlusSuffix", $"{Attrs} public partial class Dense3Net;"),
            ("NamedLstm2Model", $"{Attrs} public partial class Lstm2Model;"),
            // An abstract network is a base for the user's own subclasses; the generated members compile.
            ("Abstract", $"{Attrs} public abstract partial class Net;"),
            // A method overload of a generated name is legal C#.
            ("UserOverloadTrainStep", $"{Attrs} public partial class Net {{ public void TrainStep() {{ }} }}"),
            // A class named like a layer's prefix clashes with nothing: the generated members are Dense1Weight, Dense1Bias, ...
            ("NamedDense1", $"{Attrs} public partial class Dense1;"),
            ("NamedModel", $"{Attrs} public partial class Model;"),
            ("NullableDisabled", $"#nullable disable\n{Attrs} public partial class Net;"),
            ("PragmaAround", $"#pragma warning disable CS1591\n{Attrs} public partial class Net;\n#pragma warning restore CS1591"),
                        ("TwoNetworksOneFile", $"{Attrs} public partial class A;\n{Attrs} public partial class B;"),
            ("NamesDifferingInCase", $"{Attrs} public partial class Mlp;\n{Attrs} public partial class MLP;"),
            ("NamespacesDifferingInCase", $"namespace Models {{ {Attrs} public partial class Mlp; }}\nnamespace models {{ {Attrs} public partial class Mlp; }}"),
            ("SameNameTwoNamespaces", $"namespace A {{ {Attrs} public partial class Net; }}\nnamespace B {{ {Attrs} public partial class Net; }}"),
            ("HintNameLookalikes", $"namespace A.B {{ {Attrs} public partial class C; }}\nnamespace A {{ {Attrs} public partial class B_C; }}"),
            ("LongName", $"{Attrs} public partial class {new string('N', 500)};"),
            ("NetworkNamedLikeAVariantOfNoSpace", $"{Attrs} public partial class SpaceVariant00;"),
        };
        foreach (var (name, source) in clean) yield return Case("Form." + name, Clean, source);

        yield return Case("Form.PartialSplitOverFiles", Clean,
            $"{Attrs} public partial class Net;", "public partial class Net { public int Extra => 1; }");
        yield return Case("Form.PartialSplitOverFilesNetworkLast", Clean,
            "public partial class Net { public int Extra => 1; }", $"{Attrs} public partial class Net;");
        yield return Case("Form.PartialSplitSameFile", Clean,
            $"{Attrs} public partial class Net;\npublic partial class Net {{ public void Hello() {{ }} }}");
        yield return Case("Form.TwoNetworksTwoFiles", Clean,
            $"namespace A;\n{Attrs} public partial class Net;", $"namespace B;\n{Attrs} public partial class Net;");
        yield return new CorpusCase("Form.LangVersion11", Clean, [$"{Attrs} public partial class Net {{ }}"], LanguageVersion.CSharp11);
        yield return new CorpusCase("Form.LangVersion12", Clean, [$"{Attrs} public partial class Net;"], LanguageVersion.CSharp12);
        yield return new CorpusCase("Form.LangVersionPreview", Clean, [$"{Attrs} public partial class Net;"], LanguageVersion.Preview);
        yield return new CorpusCase("Form.LangVersion10", "NG0017", [$"{Attrs} public partial class [|Net|] {{ }}"], LanguageVersion.CSharp10);
        yield return new CorpusCase("Form.LangVersion9", "NG0017", [$"{Attrs} public partial class [|Net|] {{ }}"], LanguageVersion.CSharp9);
        yield return new CorpusCase("Form.LangVersion7_3", "NG0017", [$"namespace M {{ {Attrs} public partial class [|Net|] {{ }} }}"], LanguageVersion.CSharp7_3);

        var rejected = new (string Name, string Id, string Source)[]
        {
            ("NotPartial", "NG0001", $"{Attrs} public class [|Net|];"),
            ("NotPartialSealed", "NG0001", $"{Attrs} public sealed class [|Net|] {{ }}"),
            ("Record", "NG0011", $"{Attrs} public partial record [|Net|];"),
            ("RecordClass", "NG0011", $"{Attrs} public partial record class [|Net|];"),
            ("RecordStruct", "NG0011", $"{Attrs} public partial record struct [|Net|];"),
            ("Struct", "NG0011", $"{Attrs} public partial struct [|Net|];"),
            ("ReadonlyStruct", "NG0011", $"{Attrs} public readonly partial struct [|Net|];"),
            ("Static", "NG0011", $"{Attrs} public static partial class [|Net|];"),
            ("Generic", "NG0011", $"{Attrs} public partial class [|Net|]<T>;"),
            ("GenericTwo", "NG0011", $"{Attrs} public partial class [|Net|]<TIn, TOut> where TIn : struct;"),
            ("Nested", "NG0011", $"public partial class Outer {{ {Attrs} public partial class [|Net|]; }}"),
            ("NestedInStruct", "NG0011", $"public partial struct Outer {{ {Attrs} public partial class [|Net|]; }}"),
            ("NestedInGeneric", "NG0011", $"public partial class Outer<T> {{ {Attrs} public partial class [|Net|]; }}"),
            ("FileLocal", "NG0011", $"{Attrs} file partial class [|Net|];"),
            ("NetworkAndSearchSpace", "NG0011", "[Network] [SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam] public partial class [|Net|];"),
            ("NamedForward", "NG0015", $"{Attrs} public partial class [|Forward|];"),
            ("NamedPredict", "NG0015", $"{Attrs} public partial class [|Predict|];"),

            ("NamedDense1Weight", "NG0015", $"{Attrs} public partial class [|Dense1Weight|];"),
            ("NamedTrainStep", "NG0015", $"{Attrs} public partial class [|TrainStep|];"),
            ("NamedBatchSize", "NG0015", $"{Attrs} public partial class [|BatchSize|];"),
            ("NamedLearningRate", "NG0015", $"{Attrs} public partial class [|LearningRate|];"),
            ("NamedPredictBfloat16", "NG0015", $"[Network] [Bfloat16Inference] [Input(4)] [Dense(3)] [SoftmaxCrossEntropy] [Adam] public partial class [|PredictBfloat16|];"),
            // Names of the implementation's private members (inside the nested Implementation class) clash with nothing.
            ("NamedRmsPropAlpha", Clean, "[Network] [Input(4)] [Dense(3)] [SoftmaxCrossEntropy] [RmsProp] public partial class RmsPropAlpha;"),
            ("NamedClipMaxValue", Clean, "[Network] [Input(4)] [Dense(3)] [SoftmaxCrossEntropy] [Adam] [ClipGradients(MaxValue = 1)] public partial class ClipMaxValue;"),
            // A user's member named like a generated one: NG0018 at that member (an inherited one: at the class name), not CS0102 in generated code.
            ("UserMemberBatchSize", "NG0018", $"{Attrs} public partial class Net {{ public int [|BatchSize|] => 1; }}"),
            ("UserMemberLearningRate", "NG0018", $"{Attrs} public partial class Net {{ public double [|LearningRate|]; }}"),
            ("UserMemberDense1Weight", "NG0018", $"{Attrs} public partial class Net {{ private float[] [|Dense1Weight|] = []; }}"),
            ("UserMemberParameters", Clean, $"{Attrs} public partial class Net {{ private float[] _parameters = []; }}"),
            ("UserMemberImplementation", "NG0018", $"{Attrs} public partial class Net {{ private int [|Implementation|]; }}"),
            ("BaseMemberBatchSize", "NG0018", "public class Base { public int BatchSize => 1; }\n" + $"{Attrs} public partial class [|Net|] : Base;"),
        };
        foreach (var (name, id, source) in rejected) yield return Case("Form." + name, id, source);
    }

    // Whole-network layout: what is missing, doubled, misplaced; and the pitfall warnings.
    private static IEnumerable<CorpusCase> Layouts()
    {
        var rows = new (string Name, string Id, string Body)[]
        {
            // [Input], the loss and the optimizer are not layers: their place among the attributes does not matter.
            ("InputAfterLayer", Clean, "[Network] [Dense(4)] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]"),
            ("NoInput", "NG0002", "[[|Network|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]"),
            ("TwoDeclarationsWithLayers", "NG0004", "[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]\npublic partial class Net;\n[[|Adam|]]"),
            ("NoLoss", "NG0005", "[[|Network|]] [Input(4)] [Dense(2)] [Adam]"),
            ("NoOptimizer", "NG0006", "[[|Network|]] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]"),
            ("CrossEntropyOnOneOutput", "NG0007", "[Network] [Input(4)] [Dense(1)] [[|SoftmaxCrossEntropy|]] [Adam]"),
            ("ReluBeforeCrossEntropy", "NG0008", "[Network] [Input(4)] [Dense(3, [|Activation.ReLU|])] [SoftmaxCrossEntropy] [Adam]"),
            ("SoftmaxBeforeCrossEntropy", "NG0008", "[Network] [Input(4)] [Dense(3)] [[|Softmax|]] [SoftmaxCrossEntropy] [Adam]"),
            ("TwoInputs", "NG0010", "[Network] [Input(4)] [[|Input(5)|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]"),
            ("TwoLosses", "NG0010", "[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [[|MeanSquaredError|]] [Adam]"),
            ("TwoOptimizers", "NG0010", "[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam] [[|Sgd|]]"),
            ("TwoRegularizations", "NG0010", $"[Network] [Input(4)] [Regularization(L2 = 1e-4)] [[|Regularization(L1 = 1e-4)|]] {Tail}"),
            ("TwoClips", "NG0010", $"[Network] [Input(4)] [ClipGradients(MaxNorm = 1)] [[|ClipGradients(MaxNorm = 2)|]] {Tail}"),
            ("DenseOnImage", "NG0012", "[Network] [Input(1, 28, 28)] [[|Dense(10)|]] [SoftmaxCrossEntropy] [Adam]"),
            ("NoLayers", "NG0013", "[[|Network|]] [Input(4)] [SoftmaxCrossEntropy] [Adam]"),
            ("OnlyParameterlessLayers", "NG0013", "[[|Network|]] [Input(4)] [Dropout(0.1)] [SoftmaxCrossEntropy] [Adam]"),
            ("ConvOnVector", "NG0020", $"[Network] [Input(784)] [[|Conv2D(6, 5)|]] [Flatten] {Tail}"),
            ("PoolAfterFlatten", "NG0020", $"[Network] [Input(1, 4, 4)] [Flatten] [[|MaxPool2D(2)|]] {Tail}"),
            ("UpSamplingOnVector", "NG0020", $"[Network] [Input(16)] [[|UpSampling2D(2)|]] [Flatten] {Tail}"),
            ("KernelLargerThanInput", "NG0021", $"[Network] [Input(1, 4, 4)] [Conv2D(2, [|5|])] [Flatten] {Tail}"),
            ("DilatedKernelLargerThanInput", "NG0021", $"[Network] [Input(1, 4, 4)] [Conv2D(2, [|3|], Dilation = 2)] [Flatten] {Tail}"),
            ("HugeDilationOverflowsSpan", "NG0021", $"[Network] [Input(1, 4, 4)] [Conv2D(2, [|3|], Dilation = int.MaxValue)] [Flatten] {Tail}"),
            ("PoolDropsARow", "NG0022", $"[Network] [Input(3, 5, 5)] [[|MaxPool2D(2)|]] [Flatten] {Tail}"),
            ("StrideDropsARow", "NG0022", $"[Network] [Input(1, 8, 8)] [Conv2D(4, 3, [|Stride = 3|])] [Flatten] {Tail}"),
            ("ReshapeCountDiffers", "NG0023", $"[Network] [Input(1, 28, 28)] [[|Reshape(1, 27, 28)|]] [Flatten] {Tail}"),
            ("ReshapeTwoInferred", "NG0024", $"[Network] [Input(32)] [Reshape(-1, [|-1|], 4)] [Flatten] {Tail}"),
            ("PaddingTwice", "NG0026", $"[Network] [Input(1, 8, 8)] [Conv2D(4, 3, [|Padding = 1|], SamePadding = true)] [Flatten] {Tail}"),
            ("SaturatingStack", "NG0040", "[Network] [Input(4)] [Dense(8, Activation.Sigmoid)] [Dense(8, Activation.Sigmoid)] [Dense(8, Activation.Sigmoid)] [Dense(8, Activation.Sigmoid)] [[|Dense(8, Activation.Sigmoid)|]] " + Tail),
            ("ZerosInit", "NG0041", $"[Network] [Input(4)] [Dense(3, [|Init = WeightInit.Zeros|])] {Tail}"),
            ("BatchNormOnSequence", "NG0043", $"[Network] [Input(4, 5)] [[|BatchNorm|]] [Flatten] {Tail}"),
            ("TwoDecays", "NG0044", $"[Network] [Input(4)] {Tail} [StepDecay] [[|CosineAnnealing|]]"),
            ("TwoWarmups", "NG0044", $"[Network] [Input(4)] {Tail} [LinearWarmup] [[|LinearWarmup(Steps = 5)|]]"),
            ("UniformWithoutScale", "NG0045", $"[Network] [Input(4)] [Dense(3, [|Init = WeightInit.Uniform|])] {Tail}"),
            ("LstmOnVector", "NG0070", $"[Network] [Input(16)] [[|Lstm(8)|]] {Tail}"),
            ("GruAfterLastStep", "NG0070", $"[Network] [Input(5, 3)] [Gru(4, ReturnSequences = false)] [[|SimpleRnn(4)|]] {Tail}"),
            ("EmbeddingNotFirst", "NG0071", $"[Network] [Input(6)] [Dense(6)] [[|Embedding(10, 4)|]] [Flatten] {Tail}"),
            ("LongPlainRnn", "NG0072", $"[Network] [Input(50)] [Embedding(10, 4)] [[|SimpleRnn(8, ReturnSequences = false)|]] {Tail}"),
            ("Bfloat16WithoutDense", "NG0090", "[Network] [[|Bfloat16Inference|]] [Input(1, 4, 4)] [Conv2D(2, 4)] [Flatten] [SoftmaxCrossEntropy] [Adam]"),
            // Layers after the loss are a declaration the generator must not silently reorder or drop (issue 21): a located error.
            // Attribute order is layer order; where the loss and optimizer stand among them does not matter (as [Input]'s).
            ("LayerAfterLoss", Clean, "[Network] [Input(4)] [Dense(4)] [SoftmaxCrossEntropy] [Dense(2)] [Adam]"),
        };
        foreach (var (name, id, body) in rows) yield return Net("Layout." + name, id, body);
        // Layer attributes without [Network] (issue 21: silently ignored): a located diagnostic at the class.
        yield return Case("Layout.LayersWithoutNetwork", "NG0019", "[[|Input(4)|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam] public partial class Net;");
    }
}
