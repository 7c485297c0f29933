namespace Hivetrain.Bench;

/// <summary>
/// One benchmark, run by name: <c>dotnet run -c Release --project bench/Hivetrain.Bench -- NAME [args]</c>.
/// Every figure it prints comes with its ratio to a physical reference measured in the same run
/// (<see cref="PhysicalReference"/>), because absolute times on shared machines are noise.
/// </summary>
internal interface IBenchmark
{
    string Name { get; }
    string Description { get; }
    Task RunAsync(string[] args);
}
