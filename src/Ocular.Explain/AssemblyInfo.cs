[assembly: System.Reflection.AssemblyDescription("Ocular.Explain")]
