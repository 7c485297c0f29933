using System.Reflection;
using TorchSharp;

namespace Hivetrain.Tests.TestSupport;

/// <summary>
/// No code of ours hands a call a TorchSharp tensor that nothing keeps alive. A TorchSharp call passes libtorch only
/// the wrapper's native pointer, so once the pointer is read a wrapper nobody else holds is garbage, and a collection
/// started by another thread during the native call lets its finalizer free the native tensor while libtorch uses it.
/// The test host crashed so in <c>Gpt</c>'s constructor: <c>GptInit.Normal(tokenEmbedding.weight!, …)</c> passed the
/// fresh wrapper an <c>Embedding.weight</c> getter makes, and its last use was the <c>copy_</c> that the segfault
/// stopped in (the crash dump of a full run; such crashes failed CI). The same holds for a chain's intermediate,
/// <c>a.sub(b).abs()</c>, and a wrapper in a local whose last use is a native call. So, in a method that opens no
/// dispose scope (a scope holds every tensor made while it is open): a tensor a call returns is stored in a
/// field, returned, or kept in a local that is disposed (a <c>using</c>) or handed to <c>GC.KeepAlive</c>; never passed
/// on straight from the call. A method runs inside a scope when it opens one or when every caller of ours does.
/// What the scan does not see: what our property getters return (taken as held), whether a call falls within its
/// scope's lines, and a caller outside these assemblies. An async method cannot hold a scope across an
/// await (<see cref="DisposeScopeFieldTests"/>): its tensor arithmetic goes into synchronous helpers that open one.
/// </summary>
public sealed class TemporaryTensorTests
{
    [Fact]
    public void No_call_gets_a_tensor_that_nothing_keeps_alive()
    {
        var methods = OurCode.Methods()
            .Where(m => m.DeclaringType != typeof(TemporaryTensorTests))
            .ToList();
        var inside = InsideAScope(methods);
        var problems = methods.Where(m => !inside.Contains(Key(m))).SelectMany(TensorTemporaries.Problems).ToList();
        Assert.True(problems.Count == 0, $"{problems.Count} unkept tensor(s):\n" + string.Join("\n", problems));
    }

    [Fact]
    public void The_scan_finds_the_unkept_tensors_it_guards_against()
    {
        Assert.Equal(2, TensorTemporaries.Problems(Method(nameof(Chained))).Count); // sub → sum, sum → item
        Assert.Single(TensorTemporaries.Problems(Method(nameof(HandedOn))));
        Assert.Single(TensorTemporaries.Problems(Method(nameof(LocalNeverDisposed))));
        Assert.Empty(TensorTemporaries.Problems(Method(nameof(Kept))));
        Assert.Empty(TensorTemporaries.Problems(Method(nameof(Returned)))); // a Debug build returns it through a second local
        Assert.Empty(TensorTemporaries.Problems(Method(nameof(InAScope))));
    }

    /// <summary>
    /// The methods that run inside a dispose scope: those that open one, and those whose every caller of ours (a lambda's
    /// or a local function's: the method that takes it as a delegate) runs inside one. A private helper of a method with
    /// a scope, or a lambda it hands to LINQ, needs no scope of its own.
    /// </summary>
    private static HashSet<(Module, int)> InsideAScope(List<MethodBase> methods)
    {
        var callers = new Dictionary<(Module, int), List<(Module, int)>>();
        foreach (var method in methods)
            foreach (var callee in IlCalls.Of(method))
            {
                if (!callers.TryGetValue(Key(callee), out var list)) callers[Key(callee)] = list = [];
                list.Add(Key(method));
            }
        var inside = methods.Where(TensorTemporaries.OpensAScope).Select(Key).ToHashSet();
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var method in methods)
                if (!inside.Contains(Key(method)) && callers.TryGetValue(Key(method), out var list) && list.All(inside.Contains))
                    grew |= inside.Add(Key(method));
        }
        return inside;
    }

    /// <summary>A method's definition, the same for each of its generic instantiations.</summary>
    private static (Module, int) Key(MethodBase method) => (method.Module, method.MetadataToken);

    private static MethodBase Method(string name) => typeof(TemporaryTensorTests).GetMethod(name, OurCode.Declared)!;

    private static float Chained(torch.Tensor a, torch.Tensor b) => a.sub(b).sum().item<float>();

    private static void HandedOn(TorchSharp.Modules.Embedding embedding, torch.Tensor values) => Fill(embedding.weight!, values);

    private static void Fill(torch.Tensor target, torch.Tensor values) => target.copy_(values);

    private static long LocalNeverDisposed(torch.Tensor a)
    {
        var doubled = a.mul(a);
        return doubled.numel();
    }

    private static float Kept(torch.Tensor a, torch.Tensor b)
    {
        using var difference = a.sub(b);
        using var sum = difference.sum();
        return sum.item<float>();
    }

    private static torch.Tensor Returned(torch.Tensor a)
    {
        var result = a.mul(a);
        result.neg_();
        return result;
    }

    private static float InAScope(torch.Tensor a, torch.Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return a.sub(b).sum().item<float>();
    }
}
