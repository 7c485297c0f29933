using System.Reflection;

namespace Hivetrain.Tests.TestSupport;

/// <summary>Our assemblies (the library, the efficacy harness, the CLI, these tests) and their members, for the IL scans.</summary>
internal static class OurCode
{
    public static readonly Assembly[] Assemblies =
    [
        typeof(Hivetrain.Averaging.MergeRound).Assembly,
        typeof(Hivetrain.Efficacy.EfficacyRun).Assembly,
        typeof(Hivetrain.Cli.Verbs.EfficacyVerb).Assembly,
        typeof(OurCode).Assembly,
    ];

    /// <summary>Every member a type declares itself, public or not, static or not.</summary>
    public const BindingFlags Declared = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    /// <summary>Every method and constructor of our assemblies, compiler-made ones (lambdas, state machines) included.</summary>
    public static IEnumerable<MethodBase> Methods() => Assemblies.SelectMany(a => a.GetTypes())
        .SelectMany(t => t.GetMethods(Declared).Cast<MethodBase>().Concat(t.GetConstructors(Declared)));
}
