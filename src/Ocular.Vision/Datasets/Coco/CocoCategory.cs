namespace Ocular.Vision.Datasets.Coco;

/// <summary>One entry of a COCO file's <c>categories</c>.</summary>
/// <param name="Id">The category id that annotations refer to (COCO 2017 uses 80 ids between 1 and 90).</param>
/// <param name="Name">The category's name, e.g. <c>person</c>, <c>traffic light</c>.</param>
/// <param name="Supercategory">The supercategory, when the file gives one.</param>
public sealed record CocoCategory(long Id, string Name, string? Supercategory);
