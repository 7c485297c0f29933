using System.Reflection;
using TorchSharp;

namespace Hivetrain.Tests.TestSupport;

/// <summary>
/// No object keeps a TorchSharp dispose scope in a field. A scope belongs to the thread that opened it, and disposing it
/// pops whatever scope is on top of that thread's stack: a scope held by an object outlives its thread's turn, so on a
/// pooled thread it collects and later frees the tensors of unrelated work. That crashed the test host in libtorch's
/// copy_, about one full run in three, while two test classes opened a scope in their constructors. The check also
/// catches a scope that spans an await or a yield (in a Release build the compiler hoists exactly those locals into
/// fields of the method's state machine), whose continuation may run on another thread.
/// </summary>
public sealed class DisposeScopeFieldTests
{
    [Fact]
    public void No_type_holds_a_dispose_scope_in_a_field()
    {
        var holders = OurCode.Assemblies.SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetFields(OurCode.Declared).Select(f => (Type: t, Field: f)))
            .Where(x => x.Field.FieldType == typeof(DisposeScope))
            .Select(x => $"{x.Type.FullName}.{x.Field.Name}")
            .ToList();
        Assert.Empty(holders);
    }
}
