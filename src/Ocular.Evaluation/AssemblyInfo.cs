[assembly: System.Reflection.AssemblyDescription("Ocular.Evaluation")]
