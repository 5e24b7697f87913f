using System.Globalization;
using System.Text;

namespace Ocular.Explain.Semantics;

/// <summary>How much text <see cref="WordNetGlossCorpus.Write"/> produced.</summary>
/// <param name="Synsets">Lines written: one per synset.</param>
/// <param name="Tokens">Tokens written.</param>
/// <param name="DistinctTokens">Distinct tokens (the vocabulary of a fastText run with minCount 1).</param>
public sealed record WordNetCorpusStatistics(int Synsets, long Tokens, int DistinctTokens);

/// <summary>
/// The training text of the default word vectors: WordNet 3.0's synsets as Debian's <c>wordnet-base</c> ships them
/// (<c>/usr/share/wordnet/data.noun</c>, <c>data.verb</c>, <c>data.adj</c>, <c>data.adv</c>, in that order and file order).
/// </summary>
/// <remarks>
/// One line per synset: the synset's lemmas, then its gloss (the text after <c>|</c>: the definition and its quoted
/// examples), so that every lemma word — 'traffic', 'sidewalk', 'hexagon' — is in the vocabulary and shares a window
/// with the words that define it. Lemmas lose WordNet's adjective markers (<c>(a)</c>, <c>(p)</c>, <c>(ip)</c>) and have
/// <c>_</c> read as a space. The text is lower-cased (invariant culture; GloVe 6B is lower-case too) and cut into tokens:
/// maximal runs of letters and digits, a hyphen kept between two of them (<c>x-ray</c>, <c>t-shirt</c>); everything else
/// (punctuation, quotes, apostrophes, parentheses) separates tokens. The licence lines at the top of each file (they
/// start with a space) are skipped. Debian 12's WordNet 3.0 gives 117,659 lines, 1,756,485 tokens and 110,774 distinct words.
/// </remarks>
public static class WordNetGlossCorpus
{
    /// <summary>The WordNet files read, in order.</summary>
    public static IReadOnlyList<string> DataFiles { get; } = ["data.noun", "data.verb", "data.adj", "data.adv"];

    /// <summary>Writes the corpus of the WordNet database in <paramref name="wordNetDirectory"/> to <paramref name="output"/> (UTF-8, LF).</summary>
    /// <exception cref="FileNotFoundException">A data file is missing.</exception>
    /// <exception cref="InvalidDataException">A synset line does not follow WordNet's data-file format (the message names the file and line).</exception>
    public static WordNetCorpusStatistics Write(string wordNetDirectory, Stream output)
    {
        ArgumentNullException.ThrowIfNull(wordNetDirectory);
        ArgumentNullException.ThrowIfNull(output);
        using var writer = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        int synsets = 0;
        long tokens = 0;
        foreach (var name in DataFiles)
        {
            var path = Path.Combine(wordNetDirectory, name);
            if (!File.Exists(path)) throw new FileNotFoundException($"WordNet data file not found: {path}", path);
            var lineNumber = 0;
            foreach (var line in File.ReadLines(path, Encoding.UTF8))
            {
                lineNumber++;
                if (line.Length == 0 || line[0] == ' ') continue;
                var words = SynsetTokens(line, path, lineNumber);
                writer.WriteLine(string.Join(' ', words));
                synsets++;
                tokens += words.Count;
                foreach (var w in words) distinct.Add(w);
            }
        }
        return new WordNetCorpusStatistics(synsets, tokens, distinct.Count);
    }

    /// <summary>The tokens of one synset line of a WordNet data file: its lemmas, then its gloss.</summary>
    /// <exception cref="InvalidDataException">The line is not <c>offset lex_filenum ss_type w_cnt word lex_id … | gloss</c>.</exception>
    public static List<string> SynsetTokens(string line, string path = "data", int lineNumber = 0)
    {
        ArgumentNullException.ThrowIfNull(line);
        var bar = line.IndexOf(" | ", StringComparison.Ordinal);
        var fields = (bar < 0 ? line : line[..bar]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 4 || !int.TryParse(fields[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var count) || count < 1 || fields.Length < 4 + 2 * count)
            throw new InvalidDataException($"{path}, line {lineNumber}: expected a synset 'offset lex_filenum ss_type w_cnt word lex_id … | gloss', found '{(line.Length > 60 ? line[..60] + "…" : line)}'");
        var tokens = new List<string>();
        for (var i = 0; i < count; i++) Tokenise(Lemma(fields[4 + 2 * i]), tokens);
        if (bar >= 0) Tokenise(line[(bar + 3)..], tokens);
        return tokens;
    }

    // 'ready_to_hand(p)' → 'ready to hand': the syntactic marker of an adjective is not part of the word.
    private static string Lemma(string word)
    {
        foreach (var marker in (ReadOnlySpan<string>)["(a)", "(p)", "(ip)"])
            if (word.EndsWith(marker, StringComparison.Ordinal)) word = word[..^marker.Length];
        return word.Replace('_', ' ');
    }

    /// <summary>Appends the tokens of <paramref name="text"/> (rule in the remarks) to <paramref name="tokens"/>.</summary>
    public static void Tokenise(string text, List<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(tokens);
        var current = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsLetterOrDigit(c))
                current.Append(char.ToLowerInvariant(c));
            else if (c == '-' && current.Length > 0 && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1]))
                current.Append(c);
            else if (current.Length > 0)
            {
                tokens.Add(current.ToString());
                current.Clear();
            }
        }
        if (current.Length > 0) tokens.Add(current.ToString());
    }
}
