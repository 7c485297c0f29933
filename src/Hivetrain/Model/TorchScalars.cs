using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Model;

/// <summary>
/// Tensor arithmetic whose number arguments outlive the call. TorchSharp 0.107 makes a <see cref="Scalar"/> object of
/// every number it passes to libtorch (and of the hidden alpha = 1 in <c>a + b</c>, <c>add_(b)</c> and <c>square()</c>)
/// and hands over only its native pointer: nothing keeps the object alive during the call, so a garbage collection
/// started by another thread then may finalize it and free the value while libtorch reads it (a crash in
/// c10::Scalar::toFloat, or a segfault; two efficacy runs with conditions side by side died so). Code here makes each
/// Scalar explicitly in a <c>using</c> that disposes it after the call, through these helpers or inline, or takes a
/// constant from this class; <c>TemporaryScalarTests</c> holds every assembly of ours to that.
/// </summary>
public static class TorchScalars
{
    /// <summary>0. Never disposed: it lives as long as the process.</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>1, the alpha of a plain add. Never disposed: it lives as long as the process.</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary><paramref name="a"/> + <paramref name="b"/>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary><paramref name="a"/> += <paramref name="b"/>; returns <paramref name="a"/>.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary><paramref name="a"/> + <paramref name="alpha"/>·<paramref name="b"/>.</summary>
    public static Tensor PlusScaled(this Tensor a, Tensor b, double alpha)
    {
        using var s = alpha.ToScalar();
        return a.add(b, s);
    }

    /// <summary><paramref name="a"/> += <paramref name="alpha"/>·<paramref name="b"/>; returns <paramref name="a"/>.</summary>
    public static Tensor PlusScaledInPlace(this Tensor a, Tensor b, double alpha)
    {
        using var s = alpha.ToScalar();
        return a.add_(b, s);
    }

    /// <summary><paramref name="a"/> + <paramref name="value"/> (every element).</summary>
    public static Tensor PlusValue(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.add(s, One);
    }

    /// <summary><paramref name="a"/>·<paramref name="factor"/>.</summary>
    public static Tensor Times(this Tensor a, double factor)
    {
        using var s = factor.ToScalar();
        return a.mul(s);
    }

    /// <summary><paramref name="a"/> *= <paramref name="factor"/>; returns <paramref name="a"/>.</summary>
    public static Tensor TimesInPlace(this Tensor a, double factor)
    {
        using var s = factor.ToScalar();
        return a.mul_(s);
    }

    /// <summary><paramref name="a"/> / <paramref name="divisor"/>.</summary>
    public static Tensor DividedBy(this Tensor a, double divisor)
    {
        using var s = divisor.ToScalar();
        return a.div(s);
    }

    /// <summary><paramref name="a"/> /= <paramref name="divisor"/>; returns <paramref name="a"/>.</summary>
    public static Tensor DividedByInPlace(this Tensor a, double divisor)
    {
        using var s = divisor.ToScalar();
        return a.div_(s);
    }
}
