using Ocular.Torch.Serialization;

namespace Ocular.Vision.Tests;

/// <summary>Loads the committed golden fixtures (tests/fixtures, copied beside the test assembly).</summary>
internal static class Fixtures
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "fixtures", .. parts]);

    public static SafeTensors.Contents Load(params string[] parts) => SafeTensors.Load(Path(parts));
}
