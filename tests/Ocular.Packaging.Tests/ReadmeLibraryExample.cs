namespace Ocular.Packaging.Tests;

/// <summary>
/// The C# block of README.md's section "The library", as a program: read from the README itself, so that the example
/// users copy is the one the consumer test compiles. The few edits that fit it to the test's small model are exact
/// text replacements, each of which must match once: a README that drifts from them fails the test instead of
/// silently testing something else.
/// </summary>
internal static class ReadmeLibraryExample
{
    private const string Section = "## The library";

    /// <summary>ResNet-50 at 224 px becomes the compact CNN at 64 px; the file names (resnet50.pth, cat.jpg, runs/lcam-fm/best.ocular) stay.</summary>
    private static readonly (string From, string To)[] ForTheTestModel =
    [
        ("PyTorchWeights.Import(\"resnet50.pth\", \"resnet50\")", "PyTorchWeights.Import(\"resnet50.pth\", \"compact_cnn\")"),
        ("new Compose(new Resize(256), new CenterCrop(224), new ToTensor())", "new Compose(new Resize(64), new CenterCrop(64), new ToTensor())"),
    ];

    /// <summary>The README's block, unchanged.</summary>
    public static string Read(string readmePath)
    {
        var lines = File.ReadAllLines(readmePath);
        var section = Array.FindIndex(lines, l => l.Trim() == Section);
        if (section < 0) throw new InvalidDataException($"{readmePath}: no line '{Section}'");
        var open = Array.FindIndex(lines, section, l => l.Trim() == "```csharp");
        if (open < 0) throw new InvalidDataException($"{readmePath}: no ```csharp block after '{Section}'");
        var close = Array.FindIndex(lines, open + 1, l => l.Trim() == "```");
        if (close < 0) throw new InvalidDataException($"{readmePath}: the ```csharp block after '{Section}' (line {open + 1}) is not closed");
        return string.Join('\n', lines[(open + 1)..close]) + "\n";
    }

    /// <summary>The README's block with the test model's architecture and input size.</summary>
    public static string ForTinyModel(string readmePath)
    {
        var code = Read(readmePath);
        foreach (var (from, to) in ForTheTestModel)
        {
            var count = (code.Length - code.Replace(from, "", StringComparison.Ordinal).Length) / from.Length;
            if (count != 1) throw new InvalidDataException($"{readmePath}: the library example has '{from}' {count} times, expected once");
            code = code.Replace(from, to, StringComparison.Ordinal);
        }
        return code;
    }
}
