using System.CommandLine;
using Ocular.Cli.Demo;
using Ocular.Torch;

namespace Ocular.Cli.Commands;

/// <summary><c>ocular demo</c>: everything Ocular does, end to end, on data that needs no download.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "the output folder (an earlier demo's folder is replaced)", DefaultValueFactory = _ => "ocular-demo" };
        var data = new Option<string>("--data") { Description = "shapes (generated, with ground-truth masks) or fashion-mnist (Debian's dataset-fashion-mnist)", DefaultValueFactory = _ => "shapes" };
        var quick = new Option<bool>("--quick") { Description = "smaller settings: finishes within 2 minutes on 2 cores" };
        var seed = new Option<ulong>("--seed") { Description = "the seed of every stage (the same seed and threads give the same numbers)", DefaultValueFactory = _ => 0UL };
        var precision = new PrecisionOption(Precision.Auto,
            "bf16 for Score-CAM, RISE and the metrics' scoring where the processor computes it natively; training stays fp32 unless bf16 is asked");
        var command = new Command("demo",
            "Run Ocular end to end on embedded data: train a classifier and the learned explainers, explain test images with every method, evaluate every method with every metric, write report.html");
        foreach (var o in new Option[] { output, data, quick, seed, precision.Option }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var settings = new DemoSettings
            {
                Data = parse.GetValue(data)!.Trim().ToLowerInvariant(),
                Quick = parse.GetValue(quick),
                Seed = parse.GetValue(seed),
                Threads = Engine.NumThreads,
                Precision = precision.ReadRequested(parse),
            };
            _ = settings.DataSpec;   // an unknown --data fails here, before anything is written
            new DemoRunner(settings, parse.GetValue(output)!).Run();
            return 0;
        });
        return command;
    }
}
