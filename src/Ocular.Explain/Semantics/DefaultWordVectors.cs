using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ocular.Torch.Serialization;

namespace Ocular.Explain.Semantics;

/// <summary>
/// Ocular's own word embedding, used when no GloVe file is given: fastText skip-gram vectors (Debian <c>fasttext</c>)
/// trained on WordNet's glosses (Debian <c>wordnet-base</c>, corpus in <see cref="WordNetGlossCorpus"/>) with fixed
/// settings (<see cref="WordVectorSettings.Default"/>) and one thread, so that two builds give the same bytes. The
/// <c>.vec</c> is written atomically to <c>$XDG_CACHE_HOME/ocular/word-vectors</c> (or <c>~/.cache/ocular/word-vectors</c>)
/// under a name that hashes the settings and the WordNet files' sizes and dates, and is built only once.
/// </summary>
/// <remarks>
/// This is a real embedding of a real corpus, small (1.8 M tokens against GloVe's 6 B): it places related words
/// together but is no substitute for GloVe 6B-300d, which LaViSE's published numbers need (reference §1) and which users
/// supply with <c>--embeddings glove.6B.300d.txt</c>. fastText's end-of-sentence token <c>&lt;/s&gt;</c> is dropped from
/// the file, so that it never appears as a nearest word.
/// </remarks>
public static class DefaultWordVectors
{
    /// <summary>The Debian package that provides <c>/usr/bin/fasttext</c>.</summary>
    public const string FastTextPackage = "fasttext";

    /// <summary>The Debian package that provides WordNet's data files in <c>/usr/share/wordnet</c>.</summary>
    public const string WordNetPackage = "wordnet-base";

    /// <summary>Bumped whenever the corpus rule or the post-processing changes, so that older files are not reused.</summary>
    private const int Version = 1;

    /// <summary>Where the built vectors are kept: <c>$XDG_CACHE_HOME/ocular/word-vectors</c> or <c>~/.cache/ocular/word-vectors</c>.</summary>
    public static string CacheDirectoryPath => CacheDirectory.For("word-vectors");

    /// <summary>The default vectors as a table: built when missing (minutes), then read through the embedding cache.</summary>
    /// <exception cref="FileNotFoundException">fastText or WordNet is not installed; the message names the Debian package.</exception>
    public static WordEmbeddings Load(IProgress<double>? trainingProgress = null, CancellationToken cancellationToken = default) =>
        WordEmbeddings.Load(Build(null, trainingProgress, cancellationToken).Path, WordEmbeddingFormat.Word2VecText);

    /// <summary>The built <c>.vec</c> of <paramref name="settings"/> (default: <see cref="WordVectorSettings.Default"/>), or null when not built yet.</summary>
    /// <exception cref="FileNotFoundException">WordNet is not installed.</exception>
    public static string? Find(WordVectorSettings? settings = null)
    {
        var path = PathFor(settings ?? WordVectorSettings.Default, Tools.Default, CacheDirectoryPath);
        return File.Exists(path) ? path : null;
    }

    /// <summary>Builds the vectors of <paramref name="settings"/> unless already built, and says where they are.</summary>
    /// <param name="settings">fastText's settings (default <see cref="WordVectorSettings.Default"/>).</param>
    /// <param name="trainingProgress">fastText's progress, 0 to 1.</param>
    /// <param name="cancellationToken">Stops fastText; nothing is left in the cache.</param>
    /// <exception cref="FileNotFoundException">fastText or WordNet is not installed; the message names the Debian package.</exception>
    /// <exception cref="InvalidOperationException">fastText failed (its exit code and last output).</exception>
    public static WordVectorBuild Build(WordVectorSettings? settings = null, IProgress<double>? trainingProgress = null, CancellationToken cancellationToken = default) =>
        BuildWith(settings ?? WordVectorSettings.Default, Tools.Default, CacheDirectoryPath, trainingProgress, cancellationToken);

    /// <summary>Where fastText and WordNet are looked for (tests point them elsewhere).</summary>
    internal sealed record Tools(string? FastText, string WordNetDirectory)
    {
        public static Tools Default => new(FindOnPath("fasttext"), "/usr/share/wordnet");

        private static string? FindOnPath(string name) =>
            (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
    }

    internal static WordVectorBuild BuildWith(WordVectorSettings settings, Tools tools, string cacheDirectory, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        settings.Validate();
        var stopwatch = Stopwatch.StartNew();
        var fastTextMissing = tools.FastText is null || !File.Exists(tools.FastText);
        var wordNetMissing = WordNetGlossCorpus.DataFiles.Any(f => !File.Exists(Path.Combine(tools.WordNetDirectory, f)));
        if (wordNetMissing) throw Missing(fastTextMissing, wordNetMissing, tools);
        var path = PathFor(settings, tools, cacheDirectory);
        if (File.Exists(path))
        {
            var (count, dimension) = ReadHeader(path);
            return new WordVectorBuild(path, false, stopwatch.Elapsed.TotalSeconds, count, dimension, null);
        }
        if (fastTextMissing) throw Missing(fastTextMissing, wordNetMissing, tools);

        var work = Path.Combine(cacheDirectory, $".build-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var corpus = Path.Combine(work, "corpus.txt");
            WordNetCorpusStatistics statistics;
            using (var stream = new FileStream(corpus, FileMode.CreateNew, FileAccess.Write))
                statistics = WordNetGlossCorpus.Write(tools.WordNetDirectory, stream);
            var prefix = Path.Combine(work, "vectors");
            FastTextProcess.TrainSkipgram(tools.FastText!, corpus, prefix, settings, progress, cancellationToken);
            var words = CopyWithoutEndOfSentence(prefix + ".vec", path);
            return new WordVectorBuild(path, true, stopwatch.Elapsed.TotalSeconds, words, settings.Dimension, statistics);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    // One message for whatever is missing, naming the Debian packages to install.
    private static FileNotFoundException Missing(bool fastText, bool wordNet, Tools tools)
    {
        var what = new List<string>();
        var packages = new List<string>();
        if (fastText)
        {
            what.Add($"fastText ({tools.FastText ?? "no fasttext on PATH"})");
            packages.Add(FastTextPackage);
        }
        if (wordNet)
        {
            what.Add($"WordNet's data files ({tools.WordNetDirectory}/data.noun, …)");
            packages.Add(WordNetPackage);
        }
        var names = string.Join(" and ", packages.Select(p => $"'{p}'"));
        return new FileNotFoundException($"the default word vectors are trained with fastText on WordNet's glosses, and {string.Join(" and ", what)} {(what.Count == 1 ? "is" : "are")} missing: " +
                                         $"install the Debian package{(packages.Count == 1 ? "" : "s")} {names} (apt-get install {string.Join(' ', packages)}), " +
                                         "or give your own vectors with --embeddings FILE (e.g. glove.6B.300d.txt)");
    }

    /// <summary>The cache file of <paramref name="settings"/>: its name hashes the settings and the WordNet files' sizes and dates.</summary>
    internal static string PathFor(WordVectorSettings settings, Tools tools, string cacheDirectory)
    {
        var key = new StringBuilder($"ocular.default-word-vectors/{Version}\n{JsonSerializer.Serialize(settings)}\n");
        foreach (var name in WordNetGlossCorpus.DataFiles)
        {
            var file = new FileInfo(Path.Combine(tools.WordNetDirectory, name));
            if (!file.Exists) throw Missing(false, true, tools);
            key.Append($"{name} {file.Length} {file.LastWriteTimeUtc.Ticks}\n");
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())))[..16];
        return Path.Combine(cacheDirectory, $"wordnet-skipgram-{settings.Dimension}d-{hash}.vec");
    }

    // fastText's .vec lists its end-of-sentence token '</s>' (one per corpus line, so among the most frequent words); it is
    // no word, and the copy leaves it out and lowers the header's count. Written atomically: a reader sees all or nothing.
    private static int CopyWithoutEndOfSentence(string source, string destination)
    {
        int endOfSentence = 0;
        foreach (var line in File.ReadLines(source, Encoding.UTF8))
            if (line.StartsWith("</s> ", StringComparison.Ordinal)) endOfSentence++;
        var count = 0;
        AtomicFile.Write(destination, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 20, leaveOpen: true) { NewLine = "\n" };
            var first = true;
            foreach (var line in File.ReadLines(source, Encoding.UTF8))
            {
                if (first)
                {
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length != 2 || !int.TryParse(fields[0], out var words))
                        throw new InvalidDataException($"{source}: fastText's output does not start with the header 'V D' but with '{line}'");
                    count = words - endOfSentence;
                    writer.WriteLine($"{count} {fields[1]}");
                    first = false;
                }
                else if (!line.StartsWith("</s> ", StringComparison.Ordinal)) writer.WriteLine(line);
            }
        });
        return count;
    }

    private static (int Count, int Dimension) ReadHeader(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var fields = (reader.ReadLine() ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length == 2 && int.TryParse(fields[0], out var count) && int.TryParse(fields[1], out var dimension)
            ? (count, dimension)
            : throw new InvalidDataException($"{path}: the default word vectors do not start with the header 'V D'; delete the file to rebuild it");
    }
}
