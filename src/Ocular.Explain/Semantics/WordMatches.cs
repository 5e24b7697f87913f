namespace Ocular.Explain.Semantics;

/// <summary>
/// The result of <see cref="WordEmbeddings.Nearest(Ocular.Torch.Tensor, int, IReadOnlyList{int})"/>: for each of B queries, the rows of its k nearest words, most similar
/// first (ties by ascending row), and their cosine similarities.
/// </summary>
/// <param name="Rows">[B, k] rows of <see cref="WordEmbeddings.Words"/>.</param>
/// <param name="Scores">[B, k] cosine similarities, non-increasing along each row.</param>
public sealed record WordMatches(int[,] Rows, float[,] Scores);
