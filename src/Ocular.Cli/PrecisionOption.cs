using System.CommandLine;
using Ocular.Torch;

namespace Ocular.Cli;

/// <summary>
/// <c>--precision fp32|bf16|auto</c> (docs/precision.md), with the command's own default: forward-only work whose result
/// is a ranking or a score may default to <c>auto</c>; anything compared across machines bit for bit stays <c>fp32</c>.
/// Reading it prints the resolution's notice (auto fell back to float32; bf16 is emulated) once, on standard error.
/// </summary>
/// <param name="byDefault">The command's default.</param>
/// <param name="autoMeaning">What auto does in this command, when it is more than "bf16 where native, else fp32".</param>
internal sealed class PrecisionOption(Precision byDefault, string? autoMeaning = null)
{
    /// <summary>The option to add to the command.</summary>
    public Option<string?> Option { get; } = new("--precision")
    {
        Description = $"fp32, bf16 (bfloat16 autocast) or auto ({autoMeaning ?? "bf16 where the processor computes it natively, else fp32"}); " +
                      $"default {byDefault.ToString().ToLowerInvariant()} (docs/precision.md)",
    };

    /// <summary>
    /// The precision given on the command line, unresolved (null when the option is absent): for commands whose library
    /// call resolves it and reports the notice itself, as the trainers do (a resumed run keeps its own when none is given).
    /// </summary>
    /// <exception cref="ArgumentException">The value is not fp32, bf16 or auto.</exception>
    public Precision? Requested(ParseResult parse) => parse.GetValue(Option) is { } text ? ResolvedPrecision.Parse(text) : null;

    /// <summary>The option's value, or the command's default, unresolved.</summary>
    /// <exception cref="ArgumentException">The value is not fp32, bf16 or auto.</exception>
    public Precision RequestedOrDefault(ParseResult parse) => Requested(parse) ?? byDefault;

    /// <summary>What runs: the option's value (or the default) resolved on this processor; its notice, if any, printed.</summary>
    public ResolvedPrecision Read(ParseResult parse) => ResolvedPrecision.Resolve(ReadRequested(parse));

    /// <summary>
    /// What was asked (the option's value, or the default), for work that resolves <see cref="Precision.Auto"/> per part (an
    /// explainer per method, the metrics' scoring). Prints the notice once: that bf16 is emulated here, or — when the user
    /// wrote <c>--precision auto</c> — that auto falls back to float32 (a default of auto falls back silently: every run on
    /// such a processor would print it).
    /// </summary>
    public Precision ReadRequested(ParseResult parse)
    {
        var given = Requested(parse);
        var requested = given ?? byDefault;
        if (ResolvedPrecision.Resolve(requested).Notice is { } notice && (given is not null || requested != Precision.Auto))
            Console.Error.WriteLine($"ocular: {notice}");
        return requested;
    }
}
