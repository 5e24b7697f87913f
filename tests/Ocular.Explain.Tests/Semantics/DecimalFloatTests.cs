using System.Globalization;
using System.Text;
using Ocular.Explain.Semantics;

namespace Ocular.Explain.Tests.Semantics;

/// <summary>The text reader's number parser is bit-identical to .NET's correctly rounded float parser.</summary>
public class DecimalFloatTests
{
    private static void Same(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        var expectedOk = float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var expected);
        Assert.Equal(expectedOk, DecimalFloat.TryParse(bytes, out var actual));
        if (expectedOk) Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual), $"'{text}': {actual:R} instead of {expected:R}");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("-0.0074364")]
    [InlineData("0.21318")]
    [InlineData("16777216")]
    [InlineData("16777217")]
    [InlineData("1677721.7")]
    [InlineData("9999999999")]
    [InlineData("1e10")]
    [InlineData("1e-10")]
    [InlineData("1e11")]
    [InlineData("3.2292e-05")]
    [InlineData("-1.5E+3")]
    [InlineData("+.5")]
    [InlineData("5.")]
    [InlineData("0.1")]
    [InlineData("0.30000001")]
    [InlineData("3.4028235e38")]
    [InlineData("1e-45")]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("1..2")]
    [InlineData("0x10")]
    [InlineData("1,5")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void EdgeCasesMatchTheGeneralParser(string text) => Same(text);

    [Fact]
    public void RandomDecimalsMatchTheGeneralParserBitForBit()
    {
        var random = new Random(11);
        for (var n = 0; n < 200_000; n++)
        {
            var digits = random.Next(1, 10);
            var text = new StringBuilder();
            if (random.Next(2) == 0) text.Append('-');
            var point = random.Next(0, digits + 1);
            for (var d = 0; d < digits; d++)
            {
                if (d == point) text.Append('.');
                text.Append((char)('0' + random.Next(10)));
            }
            if (random.Next(4) == 0) text.Append('e').Append(random.Next(-14, 15));
            Same(text.ToString());
        }
    }
}
