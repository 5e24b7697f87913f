namespace Ocular.Vision.Datasets.VisualGenome;

/// <summary>What <see cref="VisualGenomePreparation"/> kept and dropped, to set against the paper's figures (lavise.md §3.2).</summary>
/// <param name="ImagesListed">Entries of <c>image_data.json</c>.</param>
/// <param name="ImagesWithObjects">Entries of <c>objects.json</c> with at least one object.</param>
/// <param name="ImagesBoxable">Images with at least one box-able object that has a usable synset (the paper: 107,228).</param>
/// <param name="ImagesKept">Images left with at least one category after the cut (the paper: 106,215).</param>
/// <param name="ObjectNames">Distinct object names (<c>names[0]</c>, lower case) before any merge (the paper's 80,138 may count these).</param>
/// <param name="Synsets">Distinct synsets of box-able objects.</param>
/// <param name="Categories">Distinct categories (label words) after the synset merge, before the cut.</param>
/// <param name="CategoriesKept">Categories present in at least <see cref="MinImages"/> images (the paper: 1,208).</param>
/// <param name="MaxCategoriesPerImage">The most categories one kept image has (the paper: 47).</param>
/// <param name="Objects">Objects in <c>objects.json</c>.</param>
/// <param name="ObjectsWithoutSynset">Objects dropped because they have no synset.</param>
/// <param name="ObjectsMultiWord">Objects dropped because their synset's lemma has several words (see <see cref="VisualGenomePreparationOptions.KeepMultiWordSynsets"/>).</param>
/// <param name="ObjectsEmptyBox">Objects dropped because their box, clipped to the image, is empty.</param>
/// <param name="ObjectsKept">Objects (boxes) of the kept categories in the kept images.</param>
/// <param name="MinImages">The cut applied.</param>
public sealed record VisualGenomeCounts(
    int ImagesListed, int ImagesWithObjects, int ImagesBoxable, int ImagesKept,
    int ObjectNames, int Synsets, int Categories, int CategoriesKept, int MaxCategoriesPerImage,
    long Objects, long ObjectsWithoutSynset, long ObjectsMultiWord, long ObjectsEmptyBox, long ObjectsKept, int MinImages)
{
    /// <summary>The paper's images with box-able annotations.</summary>
    public const int PaperImagesBoxable = 107_228;

    /// <summary>The paper's images after preprocessing.</summary>
    public const int PaperImagesKept = 106_215;

    /// <summary>The paper's object categories before preprocessing.</summary>
    public const int PaperCategories = 80_138;

    /// <summary>The paper's categories after preprocessing.</summary>
    public const int PaperCategoriesKept = 1_208;

    /// <summary>The paper's most categories per image.</summary>
    public const int PaperMaxCategoriesPerImage = 47;
}
