using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Tests.Model;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void Torch_loads_and_multiplies()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        using var a = torch.ones(3, 4);
        using var b = torch.ones(4, 2);
        using var c = a.matmul(b);
        Assert.Equal(4f, c[0, 0].item<float>());
    }

    [Fact]
    public void Device_rejects_cuda_when_unavailable()
    {
        if (torch.cuda.is_available()) return;
        Assert.Throws<ArgumentException>(() => TorchRuntime.Device("cuda"));
    }
}
