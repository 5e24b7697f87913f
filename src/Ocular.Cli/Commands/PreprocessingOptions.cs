using System.CommandLine;
using System.Globalization;

namespace Ocular.Cli.Commands;

/// <summary>
/// The evaluation preprocessing flags shared by <c>import</c> (which records them in the checkpoint) and
/// <c>predict</c> (which overrides the checkpoint's): <c>--input-size</c>, <c>--resize-size</c>,
/// <c>--mean</c> and <c>--std</c>. Means and deviations are given as separate values or comma-separated
/// (<c>--mean 0.485 0.456 0.406</c> or <c>--mean 0.485,0.456,0.406</c>).
/// </summary>
internal sealed class PreprocessingOptions
{
    /// <summary>torchvision's ImageNet evaluation resizes the short side to 256 for a 224 crop.</summary>
    public const double ImageNetResizeRatio = 256.0 / 224.0;

    public PreprocessingOptions(string inputSizeDefault, string resizeDefault, string normalisationDefault)
    {
        InputSize = new Option<int?>("--input-size") { Description = $"the side of the square input the model sees after the centre crop (default: {inputSizeDefault})" };
        ResizeSize = new Option<int?>("--resize-size") { Description = $"the short side images are resized to before the centre crop (default: {resizeDefault})" };
        Mean = new Option<string[]>("--mean") { Description = $"per-channel means of the normalisation, e.g. 0.485 0.456 0.406 (default: {normalisationDefault})", AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore };
        Std = new Option<string[]>("--std") { Description = $"per-channel standard deviations of the normalisation, e.g. 0.229 0.224 0.225 (default: {normalisationDefault})", AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore };
    }

    public Option<int?> InputSize { get; }

    public Option<int?> ResizeSize { get; }

    public Option<string[]> Mean { get; }

    public Option<string[]> Std { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(InputSize);
        command.Options.Add(ResizeSize);
        command.Options.Add(Mean);
        command.Options.Add(Std);
    }

    /// <summary>The flags given (null where absent), checked: sizes positive, the resize no smaller than the crop, deviations positive.</summary>
    public (int? InputSize, int? ResizeSize, double[]? Mean, double[]? Std) Read(ParseResult parse)
    {
        var input = parse.GetValue(InputSize);
        var resize = parse.GetValue(ResizeSize);
        if (input is < 1) throw new ArgumentException($"--input-size must be positive, got {input}");
        if (resize is < 1) throw new ArgumentException($"--resize-size must be positive, got {resize}");
        var mean = Numbers(parse.GetValue(Mean), "--mean");
        var std = Numbers(parse.GetValue(Std), "--std");
        if (std is not null && std.Any(s => !(s > 0))) throw new ArgumentException($"--std values must be positive, got {string.Join(", ", std.Select(Format))}");
        return (input, resize, mean, std);
    }

    /// <summary>The resize for a crop <paramref name="inputSize"/> keeping the ratio resize/crop (rounded half away from zero).</summary>
    public static int ResizeFor(int inputSize, double ratio) => (int)Math.Round(inputSize * ratio, MidpointRounding.AwayFromZero);

    /// <summary>Checks that a normalisation has one value per channel.</summary>
    public static void CheckChannels(double[] values, int channels, string flag)
    {
        if (values.Length != channels)
            throw new ArgumentException($"{flag} needs one value per input channel ({channels}), got {values.Length}: {string.Join(", ", values.Select(Format))}");
    }

    /// <summary>Checks that the resize is at least the crop (a centre crop cannot be larger than the image).</summary>
    public static void CheckSizes(int inputSize, int resizeSize)
    {
        if (resizeSize < inputSize)
            throw new ArgumentException($"the resize size ({resizeSize}) is smaller than the input size ({inputSize}): the centre crop would not fit");
    }

    public static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static double[]? Numbers(string[]? tokens, string flag)
    {
        if (tokens is null || tokens.Length == 0) return null;
        var values = new List<double>();
        foreach (var part in tokens.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                throw new ArgumentException($"{flag}: '{part}' is not a number");
            values.Add(v);
        }
        return [.. values];
    }
}
