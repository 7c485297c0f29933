using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace Hivetrain.Tests.TestSupport;

/// <summary>
/// Finds, in one method's IL, the new tensor wrappers that nothing keeps alive: it follows the evaluation
/// stack straight through the body (a branch target takes the stack its branch left) and marks each value a call returns
/// as a new wrapper (<see cref="MakesATensor"/>), other than an in-place op's (which returns its receiver) and the
/// dispose-scope moves.
/// </summary>
internal static class TensorTemporaries
{
    private static readonly Assembly Torch = typeof(torch.Tensor).Assembly;

    /// <summary>One problem per unkept tensor, naming the method and the call that made it.</summary>
    public static List<string> Problems(MethodBase method)
    {
        var instructions = IlCalls.Instructions(method).ToList();
        if (instructions.Count == 0 || OpensAScope(instructions)) return [];
        var handlers = method.GetMethodBody()!.ExceptionHandlingClauses;

        var made = new Dictionary<int, MethodBase>();   // value → the call that made it (a new wrapper)
        var storedIn = new Dictionary<int, int>();       // value → the local it was stored in
        var loadedFrom = new Dictionary<int, int>();     // value of an ldloc → its local
        var copiedFrom = new Dictionary<int, int>();     // local → the local whose value was stored in it (a Debug build returns through one)
        var kept = new HashSet<int>();
        var keptLocals = new HashSet<int>();
        var handedOn = new List<(int Value, MethodBase By)>();
        var stackAt = new Dictionary<int, List<int>>();
        foreach (var clause in handlers)
            stackAt[clause.HandlerOffset] = clause.Flags is ExceptionHandlingClauseOptions.Clause or ExceptionHandlingClauseOptions.Filter ? [-1] : [];
        var stack = new List<int>();
        int nextId = 0;
        bool reachable = true;

        List<int> Pop(int n)
        {
            n = Math.Min(n, stack.Count);
            var popped = stack.GetRange(stack.Count - n, n);
            stack.RemoveRange(stack.Count - n, n);
            return popped;
        }
        int Push() { int id = nextId++; stack.Add(id); return id; }
        void Keep(int value)
        {
            kept.Add(value);
            if (!loadedFrom.TryGetValue(value, out int local)) return;
            while (keptLocals.Add(local) && copiedFrom.TryGetValue(local, out int source)) local = source;
        }

        foreach (var ins in instructions)
        {
            if (stackAt.TryGetValue(ins.Offset, out var atTarget) && (!reachable || stack.Count == 0)) stack = [.. atTarget];
            else if (!reachable) stack = [];
            reachable = true;
            var op = ins.OpCode;

            if (ins.Callee is { } callee && op != OpCodes.Ldftn && op != OpCodes.Ldvirtftn)
            {
                bool hasThis = !callee.IsStatic && op != OpCodes.Newobj;
                var args = Pop(callee.GetParameters().Length + (hasThis ? 1 : 0));
                var returns = op == OpCodes.Newobj ? callee.DeclaringType! : (callee as MethodInfo)?.ReturnType ?? typeof(void);
                // An in-place op or a scope move returns its receiver, which it uses after the native call: same value, kept.
                bool returnsReceiver = (hasThis || callee.IsDefined(typeof(System.Runtime.CompilerServices.ExtensionAttribute), false))
                    && args.Count > 0 && ReturnsReceiver(callee) && typeof(torch.Tensor).IsAssignableFrom(returns);
                bool keeps = KeepsWhatItGets(callee);
                for (int k = 0; k < args.Count; k++)
                {
                    if (keeps) Keep(args[k]);
                    else if (!(returnsReceiver && k == 0) && made.ContainsKey(args[k])) handedOn.Add((args[k], callee));
                }
                if (returnsReceiver) stack.Add(args[0]);
                else if (returns != typeof(void))
                {
                    int id = Push();
                    if (MakesATensor(callee, returns)) made[id] = callee;
                }
                continue;
            }
            if (LocalStored(op, ins.Operand) is int storeTo)
            {
                foreach (int id in Pop(1))
                {
                    if (made.ContainsKey(id)) storedIn.TryAdd(id, storeTo);
                    if (loadedFrom.TryGetValue(id, out int source) && source != storeTo) copiedFrom[storeTo] = source;
                }
                continue;
            }
            if (LocalLoaded(op, ins.Operand) is int loadFrom)
            {
                loadedFrom[Push()] = loadFrom;
                continue;
            }
            if (op == OpCodes.Dup || op == OpCodes.Isinst || op == OpCodes.Castclass || op == OpCodes.Box)
            {
                // the same object again
                int top = stack.Count > 0 ? stack[^1] : Push();
                if (op == OpCodes.Dup) stack.Add(top);
                continue;
            }
            var popped = op == OpCodes.Leave || op == OpCodes.Leave_S ? Pop(stack.Count) : Pop(PopCount(op, method));
            // a return, a field, an array element or a store through a reference keeps it
            if (op == OpCodes.Ret || op == OpCodes.Stfld || op == OpCodes.Stsfld || op == OpCodes.Stelem_Ref || op == OpCodes.Stelem
                || op == OpCodes.Stobj || op == OpCodes.Stind_Ref)
                foreach (int id in popped) Keep(id);
            for (int k = 0; k < PushCount(op); k++) Push();
            if (ins.BranchTargets is { } targets)
                foreach (int target in targets) stackAt.TryAdd(target, [.. stack]);
            if (op.FlowControl is FlowControl.Branch or FlowControl.Throw or FlowControl.Return || op == OpCodes.Leave || op == OpCodes.Leave_S || op == OpCodes.Endfinally)
                reachable = false;
        }

        string where = $"{method.DeclaringType!.FullName}.{method.Name}";
        var problems = new List<string>();
        foreach (var (value, by) in handedOn.Where(h => !kept.Contains(h.Value) && !storedIn.ContainsKey(h.Value)))
            problems.Add($"{where}: {Describe(made[value])}'s tensor goes straight into {Describe(by)}");
        foreach (var (value, local) in storedIn.Where(s => !kept.Contains(s.Key) && !keptLocals.Contains(s.Value)))
            problems.Add($"{where}: {Describe(made[value])}'s tensor sits in local {local}, which nothing disposes or keeps alive");
        return problems;
    }

    /// <summary>Whether the method opens a dispose scope, which holds every tensor made while it is open.</summary>
    public static bool OpensAScope(MethodBase method) => OpensAScope(IlCalls.Instructions(method));

    private static bool OpensAScope(IEnumerable<IlCalls.Instruction> instructions) =>
        instructions.Any(i => i.Callee is { Name: "NewDisposeScope" });

    /// <summary>
    /// A call that returns a new wrapper: TorchSharp's (a module's property getter too: it wraps the native tensor anew
    /// each time) and our methods that return a tensor, but not our property getters and indexers (they return what
    /// they hold).
    /// </summary>
    private static bool MakesATensor(MethodBase callee, Type returns) =>
        typeof(torch.Tensor).IsAssignableFrom(returns)
        && (IsTorch(callee) || (IsOurs(callee.DeclaringType!.Assembly) && !(callee.IsSpecialName && callee.Name.StartsWith("get_", StringComparison.Ordinal))));

    private static bool IsTorch(MethodBase m) => m.DeclaringType?.Assembly == Torch;

    private static bool ReturnsReceiver(MethodBase m) =>
        m.Name.EndsWith('_') || m.Name.EndsWith("InPlace", StringComparison.Ordinal) || m.Name is "MoveToOuterDisposeScope" or "DetachFromDisposeScope" or "MoveToOtherDisposeScope";

    /// <summary>Calls that hold or release what they get: Dispose, GC.KeepAlive, and anything outside TorchSharp and our
    /// code (a collection's Add keeps it, as the caller then holds the collection).</summary>
    private static bool KeepsWhatItGets(MethodBase callee) =>
        callee.Name is "Dispose" or "KeepAlive" or "MoveToOuterDisposeScope" or "DetachFromDisposeScope" or "MoveToOtherDisposeScope"
        || callee.DeclaringType == typeof(TorchSharp.Modules.Parameter) || callee is { Name: "Parameter", DeclaringType.Name: "nn" } // takes the handle
        || (callee.DeclaringType?.Assembly is { } assembly && assembly != Torch && !IsOurs(assembly));

    private static bool IsOurs(Assembly assembly) => assembly.GetName().Name!.StartsWith("Hivetrain", StringComparison.Ordinal);

    private static string Describe(MethodBase m) => $"{m.DeclaringType!.Name}.{m.Name}";

    private static int? LocalStored(OpCode op, long operand) =>
        op == OpCodes.Stloc_0 ? 0 : op == OpCodes.Stloc_1 ? 1 : op == OpCodes.Stloc_2 ? 2 : op == OpCodes.Stloc_3 ? 3
        : op == OpCodes.Stloc_S || op == OpCodes.Stloc ? (int)operand : null;

    private static int? LocalLoaded(OpCode op, long operand) =>
        op == OpCodes.Ldloc_0 ? 0 : op == OpCodes.Ldloc_1 ? 1 : op == OpCodes.Ldloc_2 ? 2 : op == OpCodes.Ldloc_3 ? 3
        : op == OpCodes.Ldloc_S || op == OpCodes.Ldloc ? (int)operand : null;

    private static int PopCount(OpCode op, MethodBase method) => op.StackBehaviourPop switch
    {
        StackBehaviour.Pop0 => 0,
        StackBehaviour.Pop1 or StackBehaviour.Popi or StackBehaviour.Popref => 1,
        StackBehaviour.Pop1_pop1 or StackBehaviour.Popi_pop1 or StackBehaviour.Popi_popi or StackBehaviour.Popi_popi8
            or StackBehaviour.Popi_popr4 or StackBehaviour.Popi_popr8 or StackBehaviour.Popref_pop1 or StackBehaviour.Popref_popi => 2,
        StackBehaviour.Popi_popi_popi or StackBehaviour.Popref_popi_popi or StackBehaviour.Popref_popi_popi8 or StackBehaviour.Popref_popi_popr4
            or StackBehaviour.Popref_popi_popr8 or StackBehaviour.Popref_popi_popref or StackBehaviour.Popref_popi_pop1 => 3,
        StackBehaviour.Varpop when op == OpCodes.Ret => method is MethodInfo { ReturnType: var r } && r != typeof(void) ? 1 : 0,
        _ => 0,
    };

    private static int PushCount(OpCode op) => op.StackBehaviourPush switch
    {
        StackBehaviour.Push0 => 0,
        StackBehaviour.Push1_push1 => 2,
        _ => 1,
    };
}
