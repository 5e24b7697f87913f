using System.CommandLine;
using Ocular.Cli;
using Ocular.Cli.Commands;

var root = new RootCommand("Ocular: train, compute and evaluate visual explanations of CNN image classifiers.");
root.Options.Add(GlobalOptions.Threads);
root.Subcommands.Add(VersionCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(ModelsCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(ImportCommand.Create());
root.Subcommands.Add(PredictCommand.Create());
root.Subcommands.Add(ExplainCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());
root.Subcommands.Add(StabilityCommand.Create());
root.Subcommands.Add(WordsCommand.Create());
root.Subcommands.Add(ExplainFiltersCommand.Create());
return CommandRunner.Run(root, args);
