namespace Ocular.Vision.Datasets.VisualGenome;

/// <summary>The settings of <see cref="VisualGenomePreparation"/>.</summary>
public sealed record VisualGenomePreparationOptions
{
    /// <summary>The paper's cut: categories present in fewer images are deleted.</summary>
    public const int PaperMinImages = 100;

    /// <summary>Categories present in fewer images than this are deleted (the paper: 100).</summary>
    public int MinImages { get; init; } = PaperMinImages;

    /// <summary>
    /// Whether synsets whose lemma has several words (<c>traffic_light.n.01</c>) become categories, named with spaces
    /// (<c>traffic light</c>). Off by default: none of the original's 1,208 labels (<c>vg_labels.pkl</c>) is a
    /// multi-word lemma, although several such synsets are common in Visual Genome.
    /// </summary>
    public bool KeepMultiWordSynsets { get; init; }
}
