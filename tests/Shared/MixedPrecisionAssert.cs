using Ocular.Torch;
using Ocular.Torch.Serialization;

namespace Ocular.TestSupport;

/// <summary>The checks every trainer's mixed-precision test makes (docs/precision.md, "Mixed-precision training").</summary>
internal static class MixedPrecisionAssert
{
    /// <summary>
    /// Every floating-point tensor of a resumable checkpoint — the weights, the buffers and the optimiser's state — is
    /// float32 (the master weights), and both the optimiser's state and the weights are there (a check over nothing
    /// would pass anything).
    /// </summary>
    public static void MasterStateIsFloat32(string checkpoint)
    {
        using var contents = SafeTensors.Load(checkpoint);
        var floating = contents.Tensors.Where(kv => kv.Value.DType.IsFloatingPoint()).ToList();
        Assert.Contains(floating, kv => kv.Key.StartsWith("optimizer.", StringComparison.Ordinal));
        Assert.Contains(floating, kv => !kv.Key.StartsWith("optimizer.", StringComparison.Ordinal));
        Assert.All(floating, kv => Assert.True(kv.Value.DType == ScalarType.Float32, $"{checkpoint}: {kv.Key} is {kv.Value.DType}, not Float32"));
    }

    /// <summary>
    /// A float32 run resumed in bf16: the change was said once, config.json now records bf16, and the resumed run's last
    /// checkpoint keeps float32 master weights and optimiser state.
    /// </summary>
    public static void ContinuedInBf16(Messages messages, string runDirectory, string lastCheckpoint)
    {
        Assert.Single(messages.Lines, l => l.Contains("was trained in fp32 and continues in bf16", StringComparison.Ordinal));
        Assert.Equal("bf16", RecordedPrecision(runDirectory));
        MasterStateIsFloat32(lastCheckpoint);
    }

    /// <summary>The precision config.json records in its options: <c>fp32</c> or <c>bf16</c>.</summary>
    public static string RecordedPrecision(string runDirectory)
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(runDirectory, "config.json")))!;
        return config["options"]!["precision"]!.GetValue<string>();
    }

    /// <summary>
    /// A bf16 loss is finite, differs from the float32 run's (autocast ran) and lies within <paramref name="tolerance"/>
    /// of it (relative to the float32 value).
    /// </summary>
    public static void CloseButNotEqual(double fp32, double bf16, double tolerance, string what)
    {
        Assert.True(double.IsFinite(bf16), $"{what}: the bf16 value is {bf16}");
        Assert.True(fp32 != bf16, $"{what}: the bf16 run gave float32's {fp32} exactly: autocast did not run");
        var relative = Math.Abs(bf16 - fp32) / Math.Max(Math.Abs(fp32), 1e-12);
        Assert.True(relative <= tolerance, $"{what}: bf16 {bf16} vs fp32 {fp32}, relative difference {relative:G3} > {tolerance}");
    }

    /// <summary>A progress receiver that keeps the messages (the precision's notice, a resume's change of precision) and the run's start.</summary>
    public sealed class Messages : Ocular.Vision.Training.ITrainingProgress
    {
        public List<string> Lines { get; } = [];

        public Ocular.Vision.Training.TrainingRunInfo? Run { get; private set; }

        public void Message(string text) => Lines.Add(text);

        public void RunStarted(Ocular.Vision.Training.TrainingRunInfo run) => Run = run;
    }

    /// <summary>Runs <paramref name="body"/> with the bfloat16 detection forced to <paramref name="native"/>, restoring the variable after.</summary>
    public static T WithNativeBf16<T>(bool native, Func<T> body)
    {
        var before = Environment.GetEnvironmentVariable(CpuFeatures.NativeBf16Variable);
        Environment.SetEnvironmentVariable(CpuFeatures.NativeBf16Variable, native ? "1" : "0");
        try
        {
            return body();
        }
        finally
        {
            Environment.SetEnvironmentVariable(CpuFeatures.NativeBf16Variable, before);
        }
    }
}
