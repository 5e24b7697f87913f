using System.CommandLine;
using System.Globalization;
using Ocular.Explain.Semantics;
using Ocular.Torch;
using Ocular.Torch.Serialization;
using Spectre.Console;

namespace Ocular.Cli.Commands;

/// <summary>
/// <c>ocular embeddings build</c>: trains Ocular's default word vectors (fastText skip-gram on WordNet's glosses,
/// <see cref="DefaultWordVectors"/>) into the cache, and copies them with <c>--out</c>; <c>ocular embeddings nearest
/// WORD</c>: the words nearest a word (or the mean of a label's words) by cosine, in any embedding file.
/// </summary>
internal static class EmbeddingsCommand
{
    public static Command Create()
    {
        var command = new Command("embeddings", "Word embeddings for LaViSE: build Ocular's default vectors, or list the nearest words of a word");
        command.Subcommands.Add(BuildCommand());
        command.Subcommands.Add(NearestCommand());
        return command;
    }

    private static Command BuildCommand()
    {
        var output = new Option<string?>("--out") { Description = "also copy the vectors (.vec text) to FILE; they are kept in ~/.cache/ocular/word-vectors either way" };
        var dimension = new Option<int?>("--dim") { Description = $"vector dimension (default {WordVectorSettings.Default.Dimension}, as GloVe 6B-300d)" };
        var epochs = new Option<int?>("--epochs") { Description = $"passes over the corpus (default {WordVectorSettings.Default.Epochs})" };
        var seed = new Option<int?>("--seed") { Description = $"fastText's seed (default {WordVectorSettings.Default.Seed})" };
        var command = new Command("build", "Train Ocular's default word vectors: fastText skip-gram on WordNet's glosses (Debian fasttext and wordnet-base), deterministic, cached");
        foreach (var o in new Option[] { output, dimension, epochs, seed }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var d = WordVectorSettings.Default;
            var settings = d with
            {
                Dimension = parse.GetValue(dimension) ?? d.Dimension,
                Epochs = parse.GetValue(epochs) ?? d.Epochs,
                Seed = parse.GetValue(seed) ?? d.Seed,
            };
            settings.Validate();
            var build = EmbeddingsOptions.BuildDefault(settings);
            Console.WriteLine(build.Built
                ? $"built {build.Path}: {build.Words} words × {build.Dimension} in {build.Seconds:F0} s (corpus: {build.Corpus!.Synsets} synsets, {build.Corpus.Tokens} tokens)"
                : $"already built: {build.Path} ({build.Words} words × {build.Dimension})");
            if (parse.GetValue(output) is { } copy)
            {
                AtomicFile.Write(copy, stream =>
                {
                    using var source = File.OpenRead(build.Path);
                    source.CopyTo(stream);
                });
                Console.WriteLine($"wrote {copy}");
            }
            return 0;
        });
        return command;
    }

    private static Command NearestCommand()
    {
        var word = new Argument<string>("word") { Description = "a word, or a label of several words (quoted: the query is the mean of their vectors)" };
        var k = new Option<int>("-k") { Description = "how many words", DefaultValueFactory = _ => 10 };
        var embeddings = new EmbeddingsOptions();
        var command = new Command("nearest", "List the words nearest a word (or a label) by cosine similarity");
        command.Arguments.Add(word);
        command.Options.Add(k);
        embeddings.AddTo(command);
        command.SetAction(parse =>
        {
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
            var count = parse.GetValue(k);
            if (count < 1) throw new ArgumentException($"-k must be positive, got {count}");
            using var table = embeddings.Open(parse);
            Nearest(table, parse.GetValue(word)!, count);
            return 0;
        });
        return command;
    }

    private static void Nearest(WordEmbeddings embeddings, string label, int k)
    {
        var rows = embeddings.LabelRows(label);
        var own = rows.Distinct().ToList();
        using var scope = DisposeScope.Enter();
        var query = embeddings.Vectors.IndexSelect(0, Tensor.FromArray(own.Select(r => (long)r).ToArray())).Mean(0, keepDim: true);
        // The label's own words are not answers: ask for as many more.
        var take = Math.Min(k + own.Count, embeddings.Count);
        var matches = embeddings.Nearest(query, take);
        var table = new Table().AddColumn(new TableColumn("#").RightAligned()).AddColumn("word").AddColumn(new TableColumn("cosine").RightAligned());
        var rank = 0;
        for (var j = 0; j < take && rank < k; j++)
        {
            if (own.Contains(matches.Rows[0, j])) continue;
            rank++;
            table.AddRow(rank.ToString(CultureInfo.InvariantCulture), Markup.Escape(embeddings.Words[matches.Rows[0, j]]),
                matches.Scores[0, j].ToString("F4", CultureInfo.InvariantCulture));
        }
        Console.WriteLine($"nearest words to '{label}' in {embeddings.Source} ({embeddings.Count} words × {embeddings.Dimension}):");
        AnsiConsole.Write(table);
    }
}
