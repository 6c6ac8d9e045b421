/* Floating point rounding modes (fesetround) and exception flags (fetestexcept). */
#include <fenv.h>
#include <math.h>
#include <stdio.h>

#pragma STDC FENV_ACCESS ON

static const int modes[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
static const char *names[] = {"nearest", "upward", "downward", "towardzero"};

static void flags(const char *what)
{
    int f = fetestexcept(FE_ALL_EXCEPT);
    printf("%-12s inexact=%d divbyzero=%d invalid=%d overflow=%d underflow=%d\n", what,
           !!(f & FE_INEXACT), !!(f & FE_DIVBYZERO), !!(f & FE_INVALID), !!(f & FE_OVERFLOW),
           !!(f & FE_UNDERFLOW));
}

int main(void)
{
    volatile double one = 1.0, three = 3.0, two = 2.0, zero = 0.0, big = 1e308, tiny = 1e-308;
    volatile float fone = 1.0f, fthree = 3.0f;
    for (int i = 0; i < 4; i++) {
        if (fesetround(modes[i]) != 0)
            printf("fesetround failed\n");
        volatile double q = one / three, nq = -one / three;
        volatile float fq = fone / fthree;
        volatile double s = sqrt(two);
        printf("%-10s getround_ok=%d 1/3=%a -1/3=%a f1/3=%a sqrt2=%a rint(2.5)=%g "
               "rint(-2.5)=%g nearbyint(3.5)=%g lrint(-1.5)=%ld fma=%a\n",
               names[i], fegetround() == modes[i], q, nq, (double)fq, s, rint(2.5 * one),
               rint(-2.5 * one), nearbyint(3.5 * one), lrint(-1.5 * one),
               fma(one / three, three, -one));
    }
    fesetround(FE_TONEAREST);

    feclearexcept(FE_ALL_EXCEPT);
    flags("clear");
    volatile double r = one / three;
    flags("1/3");
    feclearexcept(FE_ALL_EXCEPT);
    r = one / zero;
    flags("1/0");
    feclearexcept(FE_ALL_EXCEPT);
    r = sqrt(-one);
    flags("sqrt(-1)");
    feclearexcept(FE_ALL_EXCEPT);
    r = zero / zero;
    flags("0/0");
    feclearexcept(FE_ALL_EXCEPT);
    r = big * 10.0;
    flags("overflow");
    feclearexcept(FE_ALL_EXCEPT);
    r = tiny / 1e10;
    flags("underflow");
    feclearexcept(FE_ALL_EXCEPT);
    r = two * three;
    flags("exact");
    feraiseexcept(FE_OVERFLOW);
    flags("raised");
    fexcept_t saved;
    fegetexceptflag(&saved, FE_ALL_EXCEPT);
    feclearexcept(FE_ALL_EXCEPT);
    fesetexceptflag(&saved, FE_ALL_EXCEPT);
    flags("restored");
    (void)r;
    volatile double x = 0.1;
    printf("conversions: %ld %ld %d %u\n", (long)(x * 25), (long)-2.7, (int)(float)1e10f,
           (unsigned)(-1.0 * zero));
    printf("fmin/fmax/copysign: %g %g %g\n", fmin(one, NAN), fmax(-zero, zero),
           copysign(3.0, -zero));
    return 0;
}
