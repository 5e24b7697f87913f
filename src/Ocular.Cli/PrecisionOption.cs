using System.CommandLine;
using Ocular.Torch;

namespace Ocular.Cli;

/// <summary>
/// <c>--precision fp32|bf16|auto</c> (docs/precision.md), with the command's own default: forward-only work whose result
/// is a ranking or a score may default to <c>auto</c>; anything compared across machines bit for bit stays <c>fp32</c>.
/// Reading it prints the resolution's notice (auto fell back to float32; bf16 is emulated) once, on standard error.
/// </summary>
internal sealed class PrecisionOption(Precision byDefault)
{
    /// <summary>The option to add to the command.</summary>
    public Option<string?> Option { get; } = new("--precision")
    {
        Description = $"fp32, bf16 (bfloat16 autocast) or auto (bf16 where the processor computes it natively, else fp32); default {byDefault.ToString().ToLowerInvariant()} (docs/precision.md)",
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
    public ResolvedPrecision Read(ParseResult parse)
    {
        var resolved = ResolvedPrecision.Resolve(parse.GetValue(Option) is { } text ? ResolvedPrecision.Parse(text) : byDefault);
        if (resolved.Notice is { } notice) Console.Error.WriteLine($"ocular: {notice}");
        return resolved;
    }
}
