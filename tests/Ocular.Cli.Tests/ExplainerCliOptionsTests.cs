using System.CommandLine;
using Ocular.Explain;

namespace Ocular.Cli.Tests;

/// <summary>The shared explainer options of <c>explain</c> and <c>evaluate</c>, parsed in process.</summary>
public class ExplainerCliOptionsTests
{
    private static (ExplainerCliOptions Options, ParseResult Parse) Parse(params string[] args)
    {
        var options = new ExplainerCliOptions();
        var command = new Command("explain");
        options.AddTo(command);
        return (options, command.Parse(args));
    }

    [Theory]
    [InlineData(new[] { "--method", "score-cam" }, Upsampling.HalfPixel)]
    [InlineData(new[] { "--method", "score-cam", "--upsample", "half-pixel" }, Upsampling.HalfPixel)]
    [InlineData(new[] { "--method", "score-cam", "--upsample", "align-corners" }, Upsampling.AlignCorners)]
    public void UpsampleIsHalfPixelUnlessAlignCornersIsAsked(string[] args, Upsampling expected)
    {
        var (options, parse) = Parse(args);
        Assert.Empty(parse.Errors);
        Assert.Equal(expected, options.Read(parse).Upsampling);
    }

    [Theory]
    [InlineData("align_corners")]
    [InlineData("AlignCorners")]
    [InlineData("bilinear")]
    public void AnUnknownUpsampleNamesTheValidValues(string value)
    {
        var (options, parse) = Parse("--method", "score-cam", "--upsample", value);
        var e = Assert.Throws<ArgumentException>(() => options.Read(parse));
        Assert.Equal($"unknown --upsample '{value}': expected half-pixel or align-corners", e.Message);
    }

    [Fact]
    public void TheNoteNamesTheMethodsTheOptionDoesNotChange()
    {
        var aligned = new ExplainerOptions { Upsampling = Upsampling.AlignCorners };
        MethodChoice[] scoreCamOnly = [MethodChoice.Parse("score-cam", null)];
        MethodChoice[] mixed = [MethodChoice.Parse("score-cam", null), MethodChoice.Parse("grad-cam", null), MethodChoice.Parse("r=rise", null)];
        Assert.Null(ExplainerCliOptions.UpsampleNote(scoreCamOnly, aligned));
        Assert.Null(ExplainerCliOptions.UpsampleNote(mixed, new ExplainerOptions()));
        var note = ExplainerCliOptions.UpsampleNote(mixed, aligned);
        Assert.NotNull(note);
        Assert.StartsWith("--upsample align-corners changes only score-cam; grad-cam, r give the same maps with either value", note);
    }
}
