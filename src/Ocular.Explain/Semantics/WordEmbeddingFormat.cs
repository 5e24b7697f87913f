namespace Ocular.Explain.Semantics;

/// <summary>The layouts of word-vector files that <see cref="WordEmbeddings.Load(string, WordEmbeddingFormat, IProgress{double}?)"/> reads.</summary>
/// <remarks>
/// <see cref="Auto"/> decides from the first line: two integers <c>V D</c> and nothing else mean a word2vec header, and
/// then the bytes after it decide text or binary (binary when the first 4 KiB after the header hold a NUL byte, another
/// control byte than tab/CR/LF, or bytes that are not UTF-8 — raw float32 always does); any other first line means GloVe
/// text. A GloVe file whose first word is a number and has one value would be taken for a header: name the format then.
/// </remarks>
public enum WordEmbeddingFormat
{
    /// <summary>Decide from the file's first bytes (see the remarks).</summary>
    Auto,

    /// <summary>GloVe text: no header, one <c>word v1 … vD</c> line per word (Stanford's <c>glove.6B.300d.txt</c>).</summary>
    GloVeText,

    /// <summary>word2vec / fastText text (<c>.vec</c>): a first line <c>V D</c>, then one <c>word v1 … vD</c> line per word.</summary>
    Word2VecText,

    /// <summary>word2vec binary: a line <c>V D</c>, then per word the word, a space, D little-endian float32 and an optional newline.</summary>
    Word2VecBinary,
}
