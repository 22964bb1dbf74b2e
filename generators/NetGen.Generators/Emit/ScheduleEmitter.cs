using System.Linq;
using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit;

/// <summary>
/// Emits the learning-rate schedule: a schedule object from NetGen.Training.Schedules built from the declared
/// constants, asked for its factor at each step, and the plateau reduction fed by ReportValidationLoss.
/// </summary>
internal static class ScheduleEmitter
{
    public static void Emit(SourceWriter writer, ResolvedNetwork network)
    {
        var schedules = network.Model.Options.Schedules;
        double baseRate = network.Model.Optimizer.LearningRate;
        ScheduleSpec? warmup = schedules.FirstOrDefault(s => s.Kind == ScheduleKind.LinearWarmup);
        ScheduleSpec? decay = schedules.FirstOrDefault(s => s.Kind is ScheduleKind.StepDecay or ScheduleKind.ExponentialDecay or ScheduleKind.CosineAnnealing);
        ScheduleSpec? plateau = schedules.FirstOrDefault(s => s.Kind == ScheduleKind.ReduceOnPlateau);

        if (warmup is null && decay is null && plateau is null)
        {
            writer.WriteLine("// No learning-rate schedule declared: every step uses LearningRate.");
            writer.WriteLine("private float ScheduledLearningRate(int step) => LearningRate;");
            writer.WriteLine();
            return;
        }

        string after = decay?.Kind switch
        {
            ScheduleKind.StepDecay => $"new global::NetGen.Training.StepDecay(stepSize: {Literals.Int(decay.Steps)}, gamma: {Literals.Double(decay.Value)})",
            ScheduleKind.ExponentialDecay => $"new global::NetGen.Training.ExponentialDecay(gamma: {Literals.Double(decay.Value)})",
            ScheduleKind.CosineAnnealing => $"new global::NetGen.Training.CosineAnnealing(totalSteps: {Literals.Int(decay.Steps)}, minFactor: {Literals.Double(decay.Value / baseRate)})",
            _ => "new global::NetGen.Training.ConstantSchedule()",
        };
        string schedule = warmup is null
            ? after
            : $"new global::NetGen.Training.LinearWarmup(warmupSteps: {Literals.Int(warmup.Steps)}, startFactor: {Literals.Double(warmup.Value)}, after: {after})";

        writer.WriteLine("// The declared schedule, counting optimizer steps from 0; the factor multiplies LearningRate.");
        writer.WriteLine($"private static readonly global::NetGen.Training.ILearningRateSchedule Schedule = {schedule};");
        writer.WriteLine();
        if (plateau is not null)
        {
            writer.WriteLine("private global::NetGen.Training.ReduceOnPlateau _plateau = NewPlateau();");
            writer.WriteLine();
            writer.WriteLine($"private static global::NetGen.Training.ReduceOnPlateau NewPlateau() => new(factor: {Literals.Double(plateau.Value)}, patience: {Literals.Int(plateau.Patience)}, " +
                             $"threshold: {Literals.Double(plateau.Threshold)}, cooldown: {Literals.Int(plateau.Cooldown)}, minFactor: {Literals.Double(plateau.MinLearningRate / baseRate)});");
            writer.WriteLine();
            writer.WriteLine("/// <summary>Feeds the plateau reduction with a validation loss, once per evaluation (usually per epoch); returns the new plateau factor.</summary>");
            writer.WriteLine("public double ReportValidationLoss(double loss) => _plateau.Update(loss);");
            writer.WriteLine();
        }

        writer.WriteLine(plateau is null
            ? "private float ScheduledLearningRate(int step) => (float)(LearningRate * Schedule.Factor(step));"
            : "private float ScheduledLearningRate(int step) => (float)(LearningRate * Schedule.Factor(step) * _plateau.Current);");
        writer.WriteLine();
    }
}
