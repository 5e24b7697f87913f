using Ocular.Torch;

namespace Ocular.Vision.Datasets;

/// <summary>Runs a data set's image loader on one file, turning any failure into a <see cref="BadFileException"/>.</summary>
internal static class FileLoading
{
    public static Tensor Load(Func<string, Tensor> loader, string path, int index)
    {
        Tensor image;
        try
        {
            if (!File.Exists(path)) throw new FileNotFoundException("the file does not exist", path);
            image = loader(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not BadFileException)
        {
            throw new BadFileException(path, index, e);
        }
        if (image.Dim != 3)
        {
            var shape = Tensor.ShapeString(image.Shape);
            image.Dispose();
            throw new BadFileException(path, index, new InvalidDataException($"the loader returned shape {shape}, expected [C, H, W]"));
        }
        return image;
    }
}
