using Ocular.Explain.Semantics;

namespace Ocular.Explain.Tests.Semantics;

/// <summary>The default vectors' corpus: lemmas then gloss, lower-cased tokens (rule in <see cref="WordNetGlossCorpus"/>).</summary>
public class WordNetGlossCorpusTests
{
    [Fact]
    public void ASynsetGivesItsLemmasThenItsGlossAsTokens()
    {
        var tokens = WordNetGlossCorpus.SynsetTokens(
            "06874185 10 n 03 traffic_light 0 traffic_signal 0 stoplight 0 004 @ 06874019 n 0000 ~ 06874391 n 0000 | a visual signal to control the flow of traffic at intersections  ");
        Assert.Equal("traffic light traffic signal stoplight a visual signal to control the flow of traffic at intersections", string.Join(' ', tokens));
    }

    [Fact]
    public void AdjectiveMarkersQuotesAndPunctuationAreDropped()
    {
        var tokens = WordNetGlossCorpus.SynsetTokens(
            "00019731 00 s 02 handy 0 ready_to_hand(p) 0 002 & 00019131 a 0000 + 04718999 n 0101 | easy to reach; \"found a handy spot for the can opener\"  ");
        Assert.Equal("handy ready to hand easy to reach found a handy spot for the can opener", string.Join(' ', tokens));
    }

    [Fact]
    public void HyphensBetweenLettersStayAndCaseIsFolded()
    {
        var tokens = new List<string>();
        WordNetGlossCorpus.Tokenise("An X-ray of Jack-o'-lantern's 3-D T-shirt -- (Canis familiaris) e.g. 1990s", tokens);
        Assert.Equal(["an", "x-ray", "of", "jack-o", "lantern", "s", "3-d", "t-shirt", "canis", "familiaris", "e", "g", "1990s"], tokens);
    }

    [Fact]
    public void TheDataFilesAreReadInOrderWithoutTheirLicenceLines()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("data.noun"), "  1 This software and database is being provided to you\n  2 \n" +
                                                 "02084071 05 n 02 dog 0 domestic_dog 0 001 @ 02083346 n 0000 | a member of the genus Canis\n");
        File.WriteAllText(dir.File("data.verb"), "  1 licence\n01835496 38 v 01 travel 0 001 @ 01831531 v 0000 01 + 08 00 | change location; move\n");
        File.WriteAllText(dir.File("data.adj"), "00373209 00 a 01 red 0 001 = 04956594 n 0000 | of the color of blood\n");
        File.WriteAllText(dir.File("data.adv"), "");
        using var output = new MemoryStream();
        var statistics = WordNetGlossCorpus.Write(dir.Path, output);
        Assert.Equal("dog domestic dog a member of the genus canis\ntravel change location move\nred of the color of blood\n",
            System.Text.Encoding.UTF8.GetString(output.ToArray()));
        Assert.Equal(new WordNetCorpusStatistics(3, 19, 15), statistics);
    }

    [Fact]
    public void AMalformedSynsetNamesTheFileAndLine()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("data.noun"), "  licence\n02084071 05 n zz dog 0 | a member\n");
        foreach (var f in new[] { "data.verb", "data.adj", "data.adv" }) File.WriteAllText(dir.File(f), "");
        var e = Assert.Throws<InvalidDataException>(() => WordNetGlossCorpus.Write(dir.Path, new MemoryStream()));
        Assert.Contains("data.noun, line 2: expected a synset", e.Message);
    }

    [Fact]
    public void AMissingDataFileIsNamed()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<FileNotFoundException>(() => WordNetGlossCorpus.Write(dir.Path, new MemoryStream()));
        Assert.Contains("data.noun", e.Message);
    }
}
