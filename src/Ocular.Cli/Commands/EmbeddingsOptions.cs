using System.CommandLine;
using System.Diagnostics;
using Ocular.Explain.Semantics;
using Spectre.Console;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>--embeddings FILE</c> and <c>--embeddings-format</c>: the word vectors a command uses — a GloVe, word2vec or
/// fastText file, or by default Ocular's own (<see cref="DefaultWordVectors"/>, built on first use) — read with a
/// progress bar (parsing) or a spinner (training the default).
/// </summary>
internal sealed class EmbeddingsOptions
{
    /// <summary>The accepted <c>--embeddings-format</c> values.</summary>
    public const string Formats = "auto, glove, word2vec (text, .vec) or word2vec-binary";

    public Option<string?> File { get; } = new("--embeddings")
    {
        Description = "word vectors: GloVe text (glove.6B.300d.txt, the paper's), word2vec/fastText text (.vec) or word2vec binary " +
                      "(default: Ocular's fastText vectors of WordNet's glosses, built on first use; docs/embeddings.md)",
    };

    public Option<string> Format { get; } = new("--embeddings-format")
    {
        Description = $"the layout of --embeddings: {Formats}",
        DefaultValueFactory = _ => "auto",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(File);
        command.Options.Add(Format);
    }

    /// <summary>Loads the embeddings the command line names (building the default when none is named).</summary>
    public WordEmbeddings Open(ParseResult parse) => Open(parse.GetValue(File), ParseFormat(parse.GetValue(Format)!));

    public static WordEmbeddings Open(string? file, WordEmbeddingFormat format)
    {
        if (file is null)
        {
            file = BuildDefault(WordVectorSettings.Default).Path;
            format = WordEmbeddingFormat.Word2VecText;
        }
        if (!System.IO.File.Exists(file)) throw new FileNotFoundException($"--embeddings: no such file: {file}", file);
        return AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask(Markup.Escape($"reading {Path.GetFileName(file)}"), maxValue: 1);
            return WordEmbeddings.Load(file, format, new Reporter(v => task.Value = v));
        });
    }

    public static WordEmbeddingFormat ParseFormat(string text) => text.ToLowerInvariant() switch
    {
        "auto" => WordEmbeddingFormat.Auto,
        "glove" => WordEmbeddingFormat.GloVeText,
        "word2vec" or "vec" or "fasttext" => WordEmbeddingFormat.Word2VecText,
        "word2vec-binary" or "bin" => WordEmbeddingFormat.Word2VecBinary,
        _ => throw new ArgumentException($"--embeddings-format: unknown format '{text}'; expected {Formats}"),
    };

    /// <summary>
    /// The default vectors of <paramref name="settings"/>, trained now if missing, with a spinner and the elapsed time
    /// (fastText reports no progress when it trains with the one thread that makes it deterministic).
    /// </summary>
    public static WordVectorBuild BuildDefault(WordVectorSettings settings)
    {
        if (DefaultWordVectors.Find(settings) is not null) return DefaultWordVectors.Build(settings);
        var what = $"training fastText skip-gram ({settings.Dimension}-d, {settings.Epochs} epoch{(settings.Epochs == 1 ? "" : "s")}, one thread) on WordNet's glosses";
        if (Console.IsOutputRedirected)
        {
            Console.Error.WriteLine($"{what}: a few minutes at the default settings …");
            return DefaultWordVectors.Build(settings);
        }
        return AnsiConsole.Status().Start(what, ctx =>
        {
            var clock = Stopwatch.StartNew();
            var work = Task.Run(() => DefaultWordVectors.Build(settings));
            while (!work.Wait(TimeSpan.FromSeconds(1)))
                ctx.Status(Markup.Escape($"{what}: {clock.Elapsed:m\\:ss} (a few minutes at the default settings)"));
            return work.GetAwaiter().GetResult();
        });
    }

    private sealed class Reporter(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
