using Ocular.Explain.Learned.LCam;
using Ocular.Explain.Learned.Lavise;
using Ocular.Explain.Learned.Lvw;
using Ocular.TestSupport;
using Ocular.Vision.Training;

namespace Ocular.Explain.Tests;

/// <summary>
/// The explainer trainers' config.json: --sync-bn is recorded as <c>sync_batch_norm</c>, and a run written before the
/// option existed (no such key) resumes without it, as it was trained.
/// </summary>
public sealed class ExplainerRunConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // A config.json of `format` whose options are the JSON members `options`, as an earlier Ocular wrote it.
    private RunDirectory Run(string name, string format, string options)
    {
        var path = _dir.File(name);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "config.json"), "{\"format\": \"" + format + "\", \"threads\": 1, \"options\": {" + options + "}}");
        return new RunDirectory(path);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData(", \"sync_batch_norm\": true", true)]
    public void SyncBatchNormIsReadAndAbsentMeansOff(string member, bool expected)
    {
        const string common = "\"data\": \"shapes\", \"output_directory\": \"run\"";
        var lcam = Run("lcam", LCamTrainer.ConfigFormat, "\"classifier\": \"c.ocular\", " + common + member);
        Assert.Equal(expected, lcam.ReadConfig<LCamTrainingOptions>(LCamTrainer.ConfigFormat).Options.SyncBatchNorm);
        var lvw = Run("lvw", LvwTrainer.ConfigFormat, "\"base_classifier\": \"c.ocular\", " + common + member);
        Assert.Equal(expected, lvw.ReadConfig<LvwTrainingOptions>(LvwTrainer.ConfigFormat).Options.SyncBatchNorm);
        var lavise = Run("lavise", LaviseTrainer.ConfigFormat, "\"classifier\": \"c.ocular\", " + common + member);
        Assert.Equal(expected, lavise.ReadConfig<LaviseTrainingOptions>(LaviseTrainer.ConfigFormat).Options.SyncBatchNorm);
    }
}
