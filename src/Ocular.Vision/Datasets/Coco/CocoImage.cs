namespace Ocular.Vision.Datasets.Coco;

/// <summary>One entry of a COCO file's <c>images</c>.</summary>
/// <param name="Id">The image id that annotations refer to.</param>
/// <param name="FileName">The file name, relative to the split's image folder (e.g. <c>000000000139.jpg</c>).</param>
/// <param name="Height">The height in pixels, as the file states it.</param>
/// <param name="Width">The width in pixels, as the file states it.</param>
public sealed record CocoImage(long Id, string FileName, int Height, int Width);
