using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Cli.Runs;

/// <summary>Reads <c>--device</c>, naming the flag when libtorch does not know the name.</summary>
internal static class DeviceFlag
{
    public static torch.Device Parse(string name)
    {
        try
        {
            return TorchRuntime.Device(name);
        }
        // TorchRuntime's own message (CUDA missing) is already clear; libtorch's parse errors are not.
        catch (Exception e) when (e is FormatException or OverflowException
            || (e is ArgumentException && !e.Message.Contains("CUDA", StringComparison.Ordinal)))
        {
            throw new ArgumentException($"--device '{name}' is not a device (cpu, cuda or cuda:N)", e);
        }
    }
}
