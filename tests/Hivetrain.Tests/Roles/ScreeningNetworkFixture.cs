using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Roles;

/// <summary>One <see cref="ScreeningNetwork"/> on disk, shared by a test class (each test's validators use their own state folders).</summary>
public sealed class ScreeningNetworkFixture : IAsyncLifetime
{
    private readonly ScratchDirectory _dir = new();

    public string Root => _dir.Path;

    public Task InitializeAsync() => ScreeningNetwork.CreateAsync(Root, CancellationToken.None);

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }
}
