[assembly: System.Reflection.AssemblyDescription("Ocular.Vision")]
