namespace Ocular.Explain.Semantics;

/// <summary>The default word vectors' file and how it came to be (<see cref="DefaultWordVectors.Build"/>).</summary>
/// <param name="Path">The <c>.vec</c> file (word2vec/fastText text).</param>
/// <param name="Built">True when this call trained it, false when it was already in the cache.</param>
/// <param name="Seconds">The time this call took (corpus and training when built).</param>
/// <param name="Words">The number of words in the file.</param>
/// <param name="Dimension">The vector dimension.</param>
/// <param name="Corpus">The corpus statistics when built now; null when found in the cache.</param>
public sealed record WordVectorBuild(string Path, bool Built, double Seconds, int Words, int Dimension, WordNetCorpusStatistics? Corpus);
