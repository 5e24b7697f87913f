namespace Ocular.Torch;

/// <summary>The arithmetic a command or library call runs its network in (docs/precision.md).</summary>
public enum Precision
{
    /// <summary>float32 throughout.</summary>
    Fp32,

    /// <summary>bfloat16 autocast (<see cref="Autocast"/>): float32 weights, low-precision convolutions and products.</summary>
    Bf16,

    /// <summary><see cref="Bf16"/> where the processor computes bfloat16 natively (<see cref="CpuFeatures.HasNativeBf16"/>), <see cref="Fp32"/> elsewhere.</summary>
    Auto,
}

/// <summary>A precision as it will run: <see cref="Effective"/> is never <see cref="Precision.Auto"/>.</summary>
/// <param name="Requested">What was asked.</param>
/// <param name="Effective">What runs: fp32 or bf16.</param>
/// <param name="Notice">One line for the user when the choice deserves one (auto fell back; bf16 is emulated), else null.</param>
public sealed record ResolvedPrecision(Precision Requested, Precision Effective, string? Notice)
{
    /// <summary>The lower-case name written in results and run directories: <c>fp32</c> or <c>bf16</c>.</summary>
    public string Name => NameOf(Effective);

    /// <summary>Enters the autocast scope the precision needs (bf16), or none (fp32: null, a no-op in a <c>using</c>).</summary>
    public Autocast? Enter() => Enter(Effective);

    /// <summary>The autocast scope an effective precision needs: bfloat16 autocast for <see cref="Precision.Bf16"/>, null otherwise.</summary>
    public static Autocast? Enter(Precision effective) => effective == Precision.Bf16 ? Autocast.Enter() : null;

    /// <summary>
    /// Whether a network trains channels-last in this precision: in bf16, yes — weights and inputs both
    /// (<see cref="Nn.Module.ToChannelsLast"/>, <see cref="Tensor.ToChannelsLast"/>), because oneDNN's bfloat16 convolutions
    /// otherwise reorder the weights at every call (an emulated bf16 ResNet-18 step at 32², batch 8, ran 2.3× faster with
    /// both than with channels-last inputs alone); in float32, no — NCHW trained as fast or faster on the processors measured
    /// (docs/precision.md, "Memory layout"). Inference is channels-last in every precision.
    /// </summary>
    public bool TrainsChannelsLast => Effective == Precision.Bf16;

    /// <summary>Lays out <paramref name="model"/>'s weights for training in this precision (<see cref="TrainsChannelsLast"/>); the values are unchanged.</summary>
    public void PrepareForTraining(Nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (TrainsChannelsLast) model.ToChannelsLast();
    }

    /// <summary>A batch [N, C, H, W] in the layout training uses in this precision (<see cref="TrainsChannelsLast"/>): channels-last in bf16, else an alias.</summary>
    public Tensor TrainingInput(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return TrainsChannelsLast ? images.ToChannelsLast() : images.Alias();
    }

    /// <summary>The lower-case name of an effective precision: <c>fp32</c> or <c>bf16</c>.</summary>
    public static string NameOf(Precision effective) => effective switch
    {
        Precision.Bf16 => "bf16",
        Precision.Fp32 => "fp32",
        _ => "auto",
    };

    /// <summary>Decides what <paramref name="requested"/> runs as on this processor.</summary>
    /// <param name="requested">What was asked.</param>
    /// <param name="autoPicksBf16">
    /// Whether <see cref="Precision.Auto"/> may choose bfloat16 for this work at all: true for forward-only work of many
    /// passes (perturbation methods, metric scoring), false for work that auto keeps in float32 on every processor
    /// (gradient maps; docs/precision.md). It changes only what auto does; fp32 and bf16 run as asked.
    /// </param>
    public static ResolvedPrecision Resolve(Precision requested, bool autoPicksBf16 = true)
    {
        var native = CpuFeatures.HasNativeBf16;
        return requested switch
        {
            Precision.Fp32 => new(requested, Precision.Fp32, null),
            Precision.Auto when !autoPicksBf16 => new(requested, Precision.Fp32, null),
            Precision.Auto when native => new(requested, Precision.Bf16, null),
            Precision.Auto => new(requested, Precision.Fp32, "precision auto: this processor has no native bfloat16 (avx512_bf16 or amx_bf16), so float32 runs"),
            Precision.Bf16 when native => new(requested, Precision.Bf16, null),
            Precision.Bf16 => new(requested, Precision.Bf16, "precision bf16: this processor has no native bfloat16 (avx512_bf16 or amx_bf16); it is emulated and slower than float32"),
            _ => throw new ArgumentOutOfRangeException(nameof(requested), requested, "fp32, bf16 or auto"),
        };
    }

    /// <summary>Parses <c>fp32</c>, <c>bf16</c> or <c>auto</c> (case-insensitive); the message names the accepted values.</summary>
    public static Precision Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => Precision.Fp32,
        "bf16" or "bfloat16" => Precision.Bf16,
        "auto" => Precision.Auto,
        _ => throw new ArgumentException($"--precision must be fp32, bf16 or auto, got '{text}'"),
    };
}
