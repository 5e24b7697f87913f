using Ocular.Vision.Datasets;
using Ocular.Vision.Images;
using Ocular.Vision.Training;
using Ocular.Torch;

namespace Ocular.Vision.Tests.Training;

public class DataRecipeTests
{
    [Fact]
    public void ShapesUsesItsImageSizeHalfNormalisationAndNoAugmentation()
    {
        var spec = DataSpec.Parse("shapes:count=4,size=40");
        var recipe = DataRecipe.For(spec.Kind, spec.Open(DataSplit.Train), null, "default");
        Assert.Equal((40, 40, 3), (recipe.InputSize, recipe.ResizeSize, recipe.InChannels));
        Assert.Equal([0.5, 0.5, 0.5], recipe.Normalization.Mean);
        Assert.Equal("none", recipe.Augmentation);

        // The training transform is then exactly the evaluation preprocessing.
        using var sample = spec.Open(DataSplit.Train).Get(1);
        using var a = recipe.TrainTransform.Apply(sample.Image, new Generator(1));
        using var b = recipe.Metadata("compact_cnn", ["a", "b", "c", "d", "e", "f"]).Preprocessing().Apply(sample.Image);
        Assert.True(a.Equal(b));
    }

    [Fact]
    public void FoldersUseImageNetStatisticsAndRandomResizedCrops()
    {
        using var dir = new TempDirectory();
        using (var image = Tensor.Full([3, 20, 30], 100, ScalarType.UInt8))
            ImageIO.WritePng(dir.File("train/cat/1.png"), image);
        var train = new ImageFolderDataset(dir.Path, split: "train");
        var recipe = DataRecipe.For("folder", train, 64, "default");
        Assert.Equal((64, 73), (recipe.InputSize, recipe.ResizeSize));
        Assert.Equal(ImageNormalization.ImageNet, recipe.Normalization);
        Assert.Equal("RandomResizedCrop(64) + RandomHorizontalFlip", recipe.Augmentation);
        using var sample = train.Get(0);
        using var x = recipe.TrainTransform.Apply(sample.Image, new Generator(3));
        Assert.Equal([3L, 64, 64], x.Shape);

        var none = DataRecipe.For("folder", train, null, "none");
        Assert.Equal((224, 256, "none"), (none.InputSize, none.ResizeSize, none.Augmentation));
    }
}
