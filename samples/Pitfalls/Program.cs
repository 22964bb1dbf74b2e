using System.Diagnostics;
using System.Globalization;
using NetGen;
using NetGen.Data;
using NetGen.Training;
using Samples.Pitfalls;
using Samples.Shared;

// Each classic training pitfall, and its cure, measured on the bundled MNIST digits.
const string Usage = """
    Usage: dotnet run --project samples/Pitfalls -c Release -- [options]

    Shows three pitfalls of training and their cures, with numbers:
      1. overfitting: a wide MLP on 1000 images, plain versus dropout + L2 + early stopping
      2. vanishing gradients: 8 sigmoid layers (naive init) versus ReLU + He versus batch norm
      3. slow convergence: SGD versus momentum versus Adam versus warm-up + cosine schedule
      depth: 31 hidden layers, plain versus with residual connections around each pair of layers

    Options:
      --data DIR          MNIST folder (default: the bundled digits)
      --epochs N          epochs for parts 2 and 3 (default 10)
      --overfit-epochs N  epochs for part 1 (default 60)
      --part N            run only part 1, 2, 3 or depth (the default runs all four)
      --plot DIR          part 1: loss and accuracy curves per epoch of both networks as PNG, in
                          DIR/overfitting-plain and DIR/overfitting-regularized (train vs validation)
      --seed N            shuffling seed (default 1)
      --help              print this text
    """;

var extra = new Dictionary<string, bool?> { ["--overfit-epochs"] = true, ["--part"] = false, ["--plot"] = false };
if (SampleOptions.TryParse(args, Usage, defaultEpochs: 10, extra, out SampleOptions options) is int exit) return exit;
if (options.LoadMnist() is not MnistDataset data) return 1;
string part = options.Get("--part", "all");
if (part is not ("all" or "1" or "2" or "3" or "depth"))
{
    Console.Error.WriteLine($"--part {part}: expected 1, 2, 3 or depth");
    return 2;
}

var clock = Stopwatch.StartNew();
var summary = new List<(string, object)> { ("sample", "pitfalls"), ("seed", options.Seed) };

if (part is "all" or "1") Overfitting();
if (part is "all" or "2") VanishingGradients();
if (part is "all" or "3") Convergence();
if (part is "all" or "depth") Depth();

summary.Add(("seconds", clock.Elapsed.TotalSeconds));
Console.WriteLine(SummaryLine.Format(summary.ToArray()));
return 0;

// (1) Train on 1000 images so the wide network can memorize them; validate on 1000 others for early stopping.
void Overfitting()
{
    int epochs = options.GetInt("--overfit-epochs", 60);
    const int TrainCount = 1000, ValidationCount = 1000;
    float[] trainX = data.TrainImages.AsSpan(0, TrainCount * MnistDataset.ImageSize).ToArray();
    int[] trainY = data.TrainLabels.AsSpan(0, TrainCount).ToArray();
    float[] validX = data.TrainImages.AsSpan(TrainCount * MnistDataset.ImageSize, ValidationCount * MnistDataset.ImageSize).ToArray();
    int[] validY = data.TrainLabels.AsSpan(TrainCount, ValidationCount).ToArray();

    Console.WriteLine($"1. Overfitting: 784-512-512-10 on {TrainCount} training images, {epochs} epochs at most");
    var plain = new WidePlain();
    var regularized = new WideRegularized();
    var stopping = new EarlyStopping(WideRegularized.ParameterCount, patience: 8);
    var batches = new MiniBatches<int>(trainX, trainY, MnistDataset.ImageSize, 1, 64, options.Seed);
    int stoppedAt = epochs;
    string? plots = options.Has("--plot") ? options.Get("--plot", "plots") : null;
    var plainCurves = new EpochCurves();
    var regularizedCurves = new EpochCurves();
    for (int epoch = 1; epoch <= epochs; epoch++)
    {
        double plainLoss = TrainingLoop.TrainEpoch(plain, batches, epoch);
        if (plots is not null) plainCurves.Add(plainLoss, plain.Evaluate(trainX, trainY), plain.Evaluate(validX, validY));
        if (stoppedAt < epochs) continue;
        double regularizedLoss = TrainingLoop.TrainEpoch(regularized, batches, epoch);
        Evaluation validation = regularized.Evaluate(validX, validY);
        if (plots is not null) regularizedCurves.Add(regularizedLoss, regularized.Evaluate(trainX, trainY), validation);
        if (stopping.Update(epoch, validation.Loss, regularized.Parameters)) stoppedAt = epoch;
    }

    if (plots is not null)
    {
        foreach ((string name, EpochCurves curves) in new[] { ("overfitting-plain", plainCurves), ("overfitting-regularized", regularizedCurves) })
        {
            var (loss, accuracy) = TrainingPlots.Write(Path.Combine(plots, name), curves.TrainLoss, curves.HeldOutLoss, curves.TrainAccuracy, curves.HeldOutAccuracy, "validation");
            Console.WriteLine($"   plots: {loss}, {accuracy}");
        }
    }

    stopping.RestoreBest(regularized.Parameters);
    Evaluation plainTestEval = plain.Evaluate(data.TestImages, data.TestLabels);
    Evaluation regTestEval = regularized.Evaluate(data.TestImages, data.TestLabels);
    (double plainTrain, double plainTest) = (plain.Evaluate(trainX, trainY).Accuracy, plainTestEval.Accuracy);
    (double regTrain, double regTest) = (regularized.Evaluate(trainX, trainY).Accuracy, regTestEval.Accuracy);
    Console.WriteLine("   network                             train acc   test acc   gap    test loss");
    Console.WriteLine(Row("plain", plainTrain, plainTest, plainTestEval.Loss));
    Console.WriteLine(Row($"dropout + L2 + early stop (ep {stopping.BestEpoch})", regTrain, regTest, regTestEval.Loss));
    Console.WriteLine();
    summary.Add(("train_accuracy_plain", plainTrain));
    summary.Add(("test_accuracy_plain", plainTest));
    summary.Add(("gap_plain", plainTrain - plainTest));
    summary.Add(("train_accuracy_regularized", regTrain));
    summary.Add(("test_accuracy_regularized", regTest));
    summary.Add(("gap_regularized", regTrain - regTest));
    summary.Add(("test_loss_plain", plainTestEval.Loss));
    summary.Add(("test_loss_regularized", regTestEval.Loss));
    summary.Add(("early_stopping_best_epoch", stopping.BestEpoch));

    static string Row(string name, double train, double test, double testLoss) =>
        string.Create(CultureInfo.InvariantCulture, $"   {name,-35} {train * 100,8:F2}%  {test * 100,8:F2}%  {(train - test) * 100,5:F2}  {testLoss,8:F4}");
}

// (2) Per-layer gradient norms over the first steps, then accuracy after the epochs.
void VanishingGradients()
{
    Console.WriteLine($"2. Vanishing gradients: 8 hidden layers of 128, SGD momentum 0.9, {options.Epochs} epochs");
    INetwork<int>[] networks = [new DeepSigmoid(), new DeepReluHe(), new DeepSigmoidBatchNorm()];
    string[] names = ["sigmoid, default init", "ReLU, He init", "sigmoid + batch norm"];
    var batches = new MiniBatches<int>(data.TrainImages, data.TrainLabels, MnistDataset.ImageSize, 1, 64, options.Seed);
    Console.WriteLine("   mean gradient L2 norm per dense layer over the first 20 steps (layer 1 = nearest the input):");
    var firstLayerNorms = new double[networks.Length];
    for (int n = 0; n < networks.Length; n++)
    {
        INetwork<int> network = networks[n];
        var health = new GradientHealth(network.ParameterLayers);
        var sums = new double[network.ParameterLayers.Count];
        batches.StartEpoch(0);
        for (int step = 0; step < 20; step++)
        {
            batches.GetBatch(step, out ReadOnlySpan<float> x, out ReadOnlySpan<int> y);
            network.TrainStep(x, y);
            network.GradientNorms(health.Norms);
            for (int i = 0; i < sums.Length; i++) sums[i] += health.Norms[i] / 20.0;
        }

        // Dense layers only (batch norm's scale and shift have their own norms).
        var dense = network.ParameterLayers.Select((name, i) => (name, norm: sums[i])).Where(l => l.name.StartsWith("Dense", StringComparison.Ordinal)).ToArray();
        firstLayerNorms[n] = dense[0].norm;
        Console.WriteLine($"   {names[n],-24} " + string.Join(" ", dense.Select(l => l.norm.ToString("0.0e+0", CultureInfo.InvariantCulture).PadLeft(8))));
        health.Norms.Clear();
        for (int i = 0; i < sums.Length; i++) health.Norms[i] = (float)sums[i];
        int vanishing = health.Snapshot().Count(l => l.Condition == GradientCondition.Vanishing);
        if (vanishing > 0) Console.WriteLine($"   {"",-24} GradientHealth: {vanishing} layer(s) vanishing");
    }

    Console.WriteLine("   test accuracy after training:");
    var accuracies = new double[networks.Length];
    for (int n = 0; n < networks.Length; n++)
    {
        for (int epoch = 1; epoch <= options.Epochs; epoch++) TrainingLoop.TrainEpoch(networks[n], batches, epoch);
        accuracies[n] = networks[n].Evaluate(data.TestImages, data.TestLabels).Accuracy;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {names[n],-24} {accuracies[n] * 100,6:F2}%"));
    }

    Console.WriteLine();
    summary.Add(("first_layer_grad_norm_sigmoid", firstLayerNorms[0]));
    summary.Add(("first_layer_grad_norm_relu_he", firstLayerNorms[1]));
    summary.Add(("first_layer_grad_norm_sigmoid_batchnorm", firstLayerNorms[2]));
    summary.Add(("test_accuracy_deep_sigmoid", accuracies[0]));
    summary.Add(("test_accuracy_deep_relu_he", accuracies[1]));
    summary.Add(("test_accuracy_deep_sigmoid_batchnorm", accuracies[2]));
}

// (3) Epochs until 90% test accuracy, and the final accuracy, per optimizer.
void Convergence()
{
    Console.WriteLine($"3. Convergence: 784-128-10, {options.Epochs} epochs, epochs to reach 90% test accuracy");
    INetwork<int>[] networks = [new PlainSgd(), new MomentumSgd(), new AdamMlp(), new CosineSgd()];
    string[] names = ["SGD lr 0.01", "SGD + Nesterov momentum 0.9", "Adam lr 1e-3", "SGD 0.1 + warm-up + cosine"];
    string[] keys = ["sgd", "momentum", "adam", "cosine"];
    var batches = new MiniBatches<int>(data.TrainImages, data.TrainLabels, MnistDataset.ImageSize, 1, 64, options.Seed);
    Console.WriteLine("   optimizer                       epochs to 90%   final test acc");
    for (int n = 0; n < networks.Length; n++)
    {
        int reached = -1;
        double accuracy = 0;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            TrainingLoop.TrainEpoch(networks[n], batches, epoch);
            accuracy = networks[n].Evaluate(data.TestImages, data.TestLabels).Accuracy;
            if (reached < 0 && accuracy >= 0.90) reached = epoch;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {names[n],-31} {(reached < 0 ? "not reached" : reached.ToString(CultureInfo.InvariantCulture)),13}   {accuracy * 100,8:F2}%"));
        summary.Add(($"epochs_to_90_{keys[n]}", reached));
        summary.Add(($"test_accuracy_{keys[n]}", accuracy));
    }

    Console.WriteLine();
}

// (depth) The first layer's gradient norm over the first 20 steps, then test accuracy after the epochs.
void Depth()
{
    Console.WriteLine($"depth. 31 hidden layers of 64 (ReLU, default init), SGD momentum 0.9, {options.Epochs} epochs");
    INetwork<int>[] networks = [new DeepPlain(), new DeepResidual()];
    string[] names = ["plain", "residual every 2 layers"];
    string[] keys = ["deep_plain", "deep_residual"];
    var batches = new MiniBatches<int>(data.TrainImages, data.TrainLabels, MnistDataset.ImageSize, 1, 64, options.Seed);
    Console.WriteLine("   network                     first layer grad norm (mean of 20 steps)   test accuracy");
    for (int n = 0; n < networks.Length; n++)
    {
        INetwork<int> network = networks[n];
        var norms = new float[network.ParameterLayers.Count];
        double firstLayer = 0;
        batches.StartEpoch(0);
        for (int step = 0; step < 20; step++)
        {
            batches.GetBatch(step, out ReadOnlySpan<float> x, out ReadOnlySpan<int> y);
            network.TrainStep(x, y);
            network.GradientNorms(norms);
            firstLayer += norms[0] / 20.0;
        }

        for (int epoch = 1; epoch <= options.Epochs; epoch++) TrainingLoop.TrainEpoch(network, batches, epoch);
        double accuracy = network.Evaluate(data.TestImages, data.TestLabels).Accuracy;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {names[n],-27} {firstLayer,12:0.00e+0}                               {accuracy * 100,6:F2}%"));
        summary.Add(($"{keys[n]}_test_accuracy", accuracy));
        summary.Add(($"first_layer_grad_norm_{keys[n]}", firstLayer));
    }

    Console.WriteLine();
}
