namespace Ocular.Cli.Tests;

public class PrepareCommandTests
{
    // Two images; "tree" is in both, "man" in one: with --min-images 2 only "tree" is kept.
    private static void WriteVisualGenome(string root)
    {
        File.WriteAllText(Path.Combine(root, "image_data.json"),
            """[{"image_id": 1, "width": 60, "height": 20, "url": "https://x/VG_100K_2/1.jpg"}, {"image_id": 2, "width": 30, "height": 40, "url": "https://x/VG_100K/2.jpg"}]""");
        File.WriteAllText(Path.Combine(root, "objects.json"),
            """
            [{"image_id": 1, "objects": [{"x": 45, "y": 3, "w": 10, "h": 5, "names": ["tree"], "synsets": ["tree.n.01"]},
                                         {"x": 1, "y": 1, "w": 3, "h": 3, "names": ["man"], "synsets": ["man.n.01"]}]},
             {"image_id": 2, "objects": [{"x": 0, "y": 0, "w": 5, "h": 5, "names": ["trees"], "synsets": ["tree.n.01"]}]}]
            """);
    }

    [Fact]
    public void PrepareVgWritesTheFilesAndSetsItsCountsAgainstThePapers()
    {
        using var dir = new TempDirectory();
        WriteVisualGenome(dir.Path);
        var r = CliRunner.Run("prepare", "vg", "--root", dir.Path, "--out", Path.Combine(dir.Path, "prepared"), "--min-images", "2");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Matches(@"images kept\s*│\s*2\s*│\s*106,215", r.StdOut);
        Assert.Matches(@"categories in ≥ 2 images \(kept\)\s*│\s*1\s*│\s*1,208", r.StdOut);
        Assert.Matches(@"categories after the synset merge\s*│\s*2\s*│", r.StdOut);
        Assert.Matches(@"most categories in one image\s*│\s*1\s*│\s*47", r.StdOut);
        Assert.Contains("\"tree\"", File.ReadAllText(Path.Combine(dir.Path, "prepared", "vg_labels.json")));
        Assert.Contains($"wrote {Path.Combine(dir.Path, "prepared", "vg_objects.json")}", r.StdOut);
        Assert.False(File.Exists(Path.Combine(dir.Path, "vg_labels.json")));
    }

    [Fact]
    public void PrepareVgWithoutTheFilesSaysWhichIsMissing()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run("prepare", "vg", "--root", dir.Path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{Path.Combine(dir.Path, "image_data.json")}' does not exist", r.StdErr);
        Assert.Single(r.StdErr.Trim().Split('\n'));
    }
}
