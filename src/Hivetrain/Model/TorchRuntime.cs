using TorchSharp;

namespace Hivetrain.Model;

/// <summary>Process-wide TorchSharp setup: thread count and device choice.</summary>
public static class TorchRuntime
{
    /// <summary>
    /// The libtorch this build references: <c>cpu</c>, or <c>cuda</c> when built with <c>-p:TorchBackend=cuda</c>
    /// (Directory.Build.props).
    /// </summary>
    public static string Backend { get; } =
        typeof(TorchRuntime).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "TorchBackend")?.Value ?? "cpu";

    /// <summary>Parses a device name ("cpu", "cuda", "cuda:1"); CUDA only when libtorch reports it.</summary>
    public static torch.Device Device(string name)
    {
        var device = new torch.Device(name);
        if (device.type == DeviceType.CUDA && !torch.cuda.is_available())
            throw new ArgumentException($"device '{name}' requested but CUDA is not available in this libtorch build");
        return device;
    }
}
