using Ocular.Explain.Semantics;
using Ocular.Torch;

namespace Ocular.Explain.Tests.Semantics;

/// <summary>Labels to rows as the original (reference lavise.md §3.2: 'traffic light' → [row(traffic), row(light)]).</summary>
public class LabelRowsTests
{
    private static WordEmbeddings Table()
    {
        string[] words = ["the", "light", "dog", "traffic", "hot", "stop", "sign", "Dog"];
        using var vectors = Tensor.Arange(words.Length * 2, ScalarType.Float32).Reshape(words.Length, 2).Add(1);
        return WordEmbeddings.FromVectors(words, vectors, "test vocabulary");
    }

    [Fact]
    public void MultiWordLabelsGiveTheRowsOfTheirWordsInOrder()
    {
        using var e = Table();
        Assert.Equal([3, 1], e.LabelRows("traffic light"));
        Assert.Equal([4, 2], e.LabelRows("hot dog"));
        Assert.Equal([5, 6], e.LabelRows("stop  sign"));
        Assert.Equal([2], e.LabelRows("dog"));
        Assert.Equal([7], e.LabelRows("Dog"));
    }

    [Fact]
    public void LookUpsAreExactAndCaseSensitive()
    {
        using var e = Table();
        Assert.Equal(2, e.IndexOf("dog"));
        Assert.Equal(7, e.IndexOf("Dog"));
        Assert.Equal(-1, e.IndexOf("DOG"));
        Assert.Equal(-1, e.IndexOf("dog "));
    }

    [Fact]
    public void AMissingWordNamesTheLabelTheWordAndTheFile()
    {
        using var e = Table();
        var error = Assert.Throws<KeyNotFoundException>(() => e.LabelRows("street sign"));
        Assert.Equal("the label 'street sign' has no embedding: the word 'street' is not among the 8 words of test vocabulary", error.Message);
        var two = Assert.Throws<KeyNotFoundException>(() => e.LabelRows("hair drier"));
        Assert.Contains("the words 'hair', 'drier' are not among the 8 words of test vocabulary", two.Message);
        Assert.Throws<ArgumentException>(() => e.LabelRows("  "));
    }

    [Fact]
    public void FromVectorsRejectsDuplicatesAndMismatchedShapes()
    {
        using var v = Tensor.Ones(2, 3);
        Assert.Contains("'a' is at rows 0 and 1", Assert.Throws<ArgumentException>(() => WordEmbeddings.FromVectors(["a", "a"], v, "t")).Message);
        Assert.Contains("[V, D] with V = 3 words", Assert.Throws<ArgumentException>(() => WordEmbeddings.FromVectors(["a", "b", "c"], v, "t")).Message);
    }
}
