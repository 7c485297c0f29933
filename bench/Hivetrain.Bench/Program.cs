using System.Reflection;
using Hivetrain.Bench;

// Finds every IBenchmark in this assembly and runs the one named on the command line.
var benchmarks = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name)
    .ToList();

var chosen = args.Length > 0 ? benchmarks.FirstOrDefault(b => b.Name == args[0]) : null;
if (chosen is null)
{
    Console.WriteLine("usage: dotnet run -c Release --project bench/Hivetrain.Bench -- NAME [args]");
    foreach (var b in benchmarks) Console.WriteLine($"  {b.Name,-20} {b.Description}");
    return args.Length == 0 ? 0 : 2;
}
await chosen.RunAsync(args[1..]);
return 0;
