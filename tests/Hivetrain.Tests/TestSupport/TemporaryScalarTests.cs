using System.Reflection;
using TorchSharp;

namespace Hivetrain.Tests.TestSupport;

/// <summary>
/// No code of ours hands libtorch a TorchSharp <see cref="Scalar"/> that nothing keeps alive. TorchSharp 0.107 turns
/// a number argument (and the hidden alpha = 1 of <c>a + b</c>, <c>add_</c>, <c>square</c>, its AdamW's step) into a
/// Scalar object and passes libtorch only its native pointer: once the pointer is read the object is garbage, and a
/// collection started by another thread during the native call lets the finalizer free it while libtorch reads it
/// ("Expected false to be true" in c10::Scalar::toFloat, or a segfault). Two efficacy runs with conditions side by side
/// crashed so, and a two-thread loop of <c>a + b</c> against <c>GC.Collect</c> crashes within seconds. So: every number
/// becomes a Scalar explicitly (<c>ToScalar</c>) in a method that disposes it after the call (a <c>using</c>), or lives
/// in a static field (<see cref="Hivetrain.Model.TorchScalars"/>); and nothing calls a TorchSharp method that makes a
/// Scalar of its own, looked for through TorchSharp's own calls and the overrides on the TorchSharp types we use.
/// </summary>
public sealed class TemporaryScalarTests
{
    [Fact]
    public void No_torch_call_leaves_a_temporary_scalar_to_the_finalizer()
    {
        var methods = OurCode.Methods()
            .Select(m => (Method: m, Calls: IlCalls.Of(m).ToList()))
            .ToList();
        var torchTypesUsed = methods.SelectMany(m => m.Calls).Where(IsTorch)
            .SelectMany(c => new[] { c.DeclaringType!, (c as MethodInfo)?.ReturnType ?? c.DeclaringType! })
            .Where(t => t.Assembly == typeof(Scalar).Assembly)
            .ToHashSet();
        var scanner = new ScalarMakers(torchTypesUsed);
        var problems = new List<string>();
        foreach (var (method, calls) in methods)
        {
            string where = $"{method.DeclaringType!.FullName}.{method.Name}";
            foreach (var call in calls.Where(c => IsTorch(c) && !IsExplicitScalar(c) && !IsScalarDispose(c) && scanner.Makes(c)))
                problems.Add($"{where} calls {Describe(call)}, which makes a Scalar nothing keeps alive");
            int made = calls.Count(IsExplicitScalar);
            bool kept = method is ConstructorInfo { IsStatic: true };
            if (made > 0 && !kept && calls.Count(IsScalarDispose) < made)
                problems.Add($"{where} makes {made} Scalar(s) with ToScalar but disposes fewer: keep each in a using until the call returns");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_scan_finds_the_temporary_scalars_it_guards_against()
    {
        var scanner = new ScalarMakers(new HashSet<Type> { typeof(TorchSharp.Modules.AdamW) });
        Assert.True(scanner.Makes(typeof(torch.Tensor).GetMethod("op_Addition", [typeof(torch.Tensor), typeof(torch.Tensor)])!));
        Assert.True(scanner.Makes(typeof(torch.Tensor).GetMethod("square", Type.EmptyTypes)!));
        Assert.True(scanner.Makes(typeof(torch.optim.Optimizer).GetMethod("step", [typeof(Func<torch.Tensor>)])!));
        Assert.False(scanner.Makes(typeof(torch.Tensor).GetMethod("add", [typeof(torch.Tensor), typeof(Scalar)])!));
        Assert.False(scanner.Makes(typeof(torch.Tensor).GetMethod("mul", [typeof(torch.Tensor)])!));
    }

    private static bool IsTorch(MethodBase m) => m.DeclaringType?.Assembly == typeof(Scalar).Assembly;

    private static bool IsExplicitScalar(MethodBase m) =>
        m.DeclaringType == typeof(ScalarExtensionMethods) && m is MethodInfo { ReturnType: var r } && r == typeof(Scalar);

    private static bool IsScalarDispose(MethodBase m) =>
        m.Name == "Dispose" && (m.DeclaringType == typeof(Scalar) || m.DeclaringType == typeof(IDisposable));

    private static string Describe(MethodBase m) =>
        $"{m.DeclaringType!.Name}.{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})";

    /// <summary>Which TorchSharp methods make a Scalar, directly or through the TorchSharp methods they call.</summary>
    private sealed class ScalarMakers(IReadOnlySet<Type> typesUsed)
    {
        private readonly Dictionary<MethodBase, bool> known = [];

        public bool Makes(MethodBase method)
        {
            if (method.DeclaringType == typeof(Scalar) && method.Name == "op_Implicit") return true;
            if (IsExplicitScalar(method)) return true;
            if (!IsTorch(method)) return false;
            if (known.TryGetValue(method, out bool makes)) return makes;
            known[method] = false; // a cycle adds nothing
            makes = IlCalls.Of(method).Any(Makes) || Overrides(method).Any(Makes);
            known[method] = makes;
            return makes;
        }

        /// <summary>What a virtual call may land on: the overrides in the TorchSharp types our code uses.</summary>
        private IEnumerable<MethodBase> Overrides(MethodBase method)
        {
            if (method is not MethodInfo { IsVirtual: true } virtualMethod) return [];
            var definition = virtualMethod.GetBaseDefinition();
            return typesUsed.Where(t => t != method.DeclaringType)
                .SelectMany(t => t.GetMethods(OurCode.Declared))
                .Where(m => m.IsVirtual && m.Name == method.Name && SameDefinition(m.GetBaseDefinition(), definition));
        }

        private static bool SameDefinition(MethodInfo a, MethodInfo b) =>
            a.MetadataToken == b.MetadataToken && a.Module == b.Module;
    }
}
