namespace Ocular.Vision.Datasets.Coco;

/// <summary>One entry of a COCO file's <c>annotations</c> (the fields a concept data set uses).</summary>
/// <param name="Id">The annotation id.</param>
/// <param name="ImageId">The image it belongs to.</param>
/// <param name="CategoryId">Its category.</param>
/// <param name="IsCrowd">Whether it marks a crowd (<c>iscrowd</c> 1; its segmentation is usually an uncompressed RLE).</param>
/// <param name="Segmentation">Its mask.</param>
public sealed record CocoAnnotation(long Id, long ImageId, long CategoryId, bool IsCrowd, CocoSegmentation Segmentation);
