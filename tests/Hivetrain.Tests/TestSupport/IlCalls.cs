using System.Reflection;
using System.Reflection.Emit;

namespace Hivetrain.Tests.TestSupport;

/// <summary>A method's IL read as instructions, and the methods and constructors it calls (call, callvirt, newobj, ldftn).</summary>
internal static class IlCalls
{
    private static readonly Dictionary<ushort, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => (ushort)o.Value);

    /// <summary>One IL instruction: a local's index as <see cref="Operand"/>, a resolved method, a branch's targets.</summary>
    public sealed record Instruction(int Offset, OpCode OpCode, long Operand, MethodBase? Callee, int[]? BranchTargets);

    public static IEnumerable<MethodBase> Of(MethodBase method) =>
        Instructions(method).Select(i => i.Callee).OfType<MethodBase>();

    /// <summary>The body's instructions; none for a method without IL or one whose body cannot be read.</summary>
    public static IEnumerable<Instruction> Instructions(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or NotSupportedException) { il = null; }
        if (il is null) yield break;
        var typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int i = 0; i < il.Length;)
        {
            int offset = i;
            ushort value = il[i++];
            if (value == 0xFE) value = (ushort)(0xFE00 | il[i++]);
            var op = OpCodesByValue[value];
            long operand = 0;
            MethodBase? callee = null;
            int[]? targets = null;
            switch (op.OperandType)
            {
                case OperandType.InlineMethod:
                    try { callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, i), typeArguments, methodArguments); }
                    catch (ArgumentException) { }
                    break;
                case OperandType.ShortInlineVar: operand = il[i]; break;
                case OperandType.InlineVar: operand = BitConverter.ToUInt16(il, i); break;
                case OperandType.ShortInlineBrTarget: targets = [i + 1 + (sbyte)il[i]]; break;
                case OperandType.InlineBrTarget: targets = [i + 4 + BitConverter.ToInt32(il, i)]; break;
                case OperandType.InlineSwitch:
                    int n = BitConverter.ToInt32(il, i), end = i + 4 + 4 * n;
                    targets = Enumerable.Range(0, n).Select(k => end + BitConverter.ToInt32(il, i + 4 + 4 * k)).ToArray();
                    break;
            }
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            yield return new Instruction(offset, op, operand, callee, targets);
        }
    }
}
