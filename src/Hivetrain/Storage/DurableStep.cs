namespace Hivetrain.Storage;

/// <summary>A step of a durable write, as <see cref="DurableFile"/> reports it to tests.</summary>
internal enum DurableStep
{
    FileFlushed,
    Renamed,
    DirectoryFlushed,
}
